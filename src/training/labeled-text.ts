import type { HeadDataFile } from '../models/heads/head-card.ts';

/** One training example: a text, its label, and what keeps related examples on one side of a split. */
export interface LabeledText {
  text: string;
  label: string;
  /** Examples sharing a group (e.g. variants of one attack) always land on the same side of a split. */
  group?: string;
  /**
   * What the example does, when the data says (e.g. the kind of instruction injected into a document):
   * examples sharing one are kept on one side of a split like a group, but without joining their
   * groups into one component (see `SplitRule.templates`).
   */
  behaviour?: string;
  /** Other renderings of the same example (e.g. a question with its options), used for training only. */
  variants?: string[];
  /** Where the example came from, for reports. */
  source?: string;
}

/** Examples read from one or more files, with the files' digests and row counts for the card. */
export interface LabeledDataset {
  name: string;
  labels: string[];
  rows: LabeledText[];
  files: HeadDataFile[];
}
