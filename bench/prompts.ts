/** Prompts of the kinds a router sees, from a greeting to a long document; the load cycles through them. */
export const BENCH_PROMPTS: readonly string[] = [
  'hello! how are you today?',
  'Write a Python function that merges two sorted lists and explain its complexity.',
  'What is the derivative of x^3 * sin(x)? Show the steps.',
  'Summarize the main causes of the French Revolution in five bullet points.',
  'My TypeScript build fails with "Cannot find module" after I moved files; how do I debug this?',
  'Translate this into French: the meeting is moved to Thursday afternoon.',
  'Is it a good idea to pay off my mortgage early when inflation is high?',
  'Explain the difference between a contract and a memorandum of understanding.',
  'What are common symptoms of vitamin D deficiency?',
  'Give me three ideas for a weekend trip near the mountains.',
  `Please summarize this report:\n${'The quarterly results show steady growth across all regions, with particular strength in services. '.repeat(40)}`,
  'Prove that the square root of 2 is irrational.',
  'Refactor this: ```js\nfunction f(a){return a.map(x=>x*2).filter(x=>x>3)}\n```',
  'tell me a joke about penguins',
  'How does a transformer model use attention to weigh tokens in a sequence?',
  'Write a SQL query returning the top 5 customers by total order value in 2024.',
];
