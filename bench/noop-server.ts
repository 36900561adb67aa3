/**
 * The floor: an ext_proc server that does nothing but answer each message with an empty
 * "continue". No Node ext_proc hop can be cheaper on this machine; the benchmark reports every
 * figure of the router as a ratio to this one. Prints `{"port": N}` once listening.
 */
import * as grpc from '@grpc/grpc-js';
import type { ProcessingRequest, ProcessingResponse } from '../src/extproc/messages.ts';
import { loadExtProcService } from '../src/extproc/protos.ts';

const server = new grpc.Server({ 'grpc.max_receive_message_length': 80 * 1024 * 1024 });
server.addService(loadExtProcService().service, {
  Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
    call.on('data', (message: ProcessingRequest) => {
      if (message.request) call.write({ [message.request]: {} });
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
});
server.bindAsync(
  `127.0.0.1:${process.env.PORT ?? 0}`,
  grpc.ServerCredentials.createInsecure(),
  (error, port) => {
    if (error) throw error;
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  },
);
