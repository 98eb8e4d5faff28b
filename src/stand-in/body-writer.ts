import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryFault } from './fault-replies.js';
import type { Reply } from './reply.js';

/** Records are gathered into chunks of about this many characters before each write. */
const BATCH_CHARS = 64 * 1024;

type Write = (chunk: string) => Promise<void>;

/** The client went away, or close() destroyed the socket, while the body was being written. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}

/**
 * Sends a reply, applying a delivery fault if there is one. Streamed bodies are written with
 * backpressure (a full socket buffer waits for 'drain'), so memory stays flat however long
 * the body is. Rejects with ClientGoneError when the socket closes early, and with an
 * AbortError when `signal` aborts a pause.
 */
export async function sendReply(
  res: ServerResponse,
  reply: Reply,
  fault: DeliveryFault | undefined,
  signal: AbortSignal,
): Promise<void> {
  if (fault?.kind === 'slow-headers') {
    await sleep(fault.delayMs, undefined, { signal });
  }

  if (!reply.streamed && (fault === undefined || fault.kind === 'slow-headers')) {
    sendWhole(res, reply);
    return;
  }

  res.writeHead(reply.status, reply.headers);

  if (fault?.kind === 'truncate' || fault?.kind === 'stall') {
    await writeCut(res, reply, fault.afterRecords ?? 1, fault.kind === 'truncate');
    return;
  }

  const write: Write =
    fault?.kind === 'trickle'
      ? (chunk) => trickle(res, chunk, fault.bytesPerChunk, fault.delayMs, signal)
      : (chunk) => writeChunk(res, chunk);
  await writeItems(reply, Infinity, write, reply.tail);
  res.end();
}

function sendWhole(res: ServerResponse, reply: Reply): void {
  const body = reply.head + reply.tail;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Writes the head and at most `maxItems` items, never the tail, then either destroys the
 * socket (truncate) or leaves the response hanging for close() to end (stall). The cut
 * happens even when the body has fewer items, so the fault always shows.
 */
async function writeCut(
  res: ServerResponse,
  reply: Reply,
  maxItems: number,
  truncate: boolean,
): Promise<void> {
  await writeItems(reply, maxItems, (chunk) => writeChunk(res, chunk), '');

  // Wait until the records are in the kernel, so the client receives them before the cut.
  await writeFlushed(res);
  if (truncate) {
    res.socket?.destroy();
  }
}

async function writeItems(
  reply: Reply,
  maxItems: number,
  write: Write,
  tail: string,
): Promise<void> {
  let buffer = reply.head;
  let count = 0;

  for (const item of reply.items) {
    if (count >= maxItems) {
      break;
    }

    buffer += item;
    count += 1;
    if (buffer.length >= BATCH_CHARS) {
      await write(buffer);
      buffer = '';
    }
  }

  await write(buffer + tail);
}

/** Writes one chunk; when the socket's buffer is full, waits for 'drain' (or rejects on close). */
function writeChunk(res: ServerResponse, chunk: string | Buffer): Promise<void> {
  if (res.destroyed) {
    return Promise.reject(new ClientGoneError('The client closed the connection'));
  }

  if (chunk.length === 0 || res.write(chunk)) {
    return Promise.resolve();
  }

  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      reject(new ClientGoneError('The client closed the connection'));
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** Resolves once everything written so far has left Node's buffers for the socket. */
function writeFlushed(res: ServerResponse): Promise<void> {
  const socket = res.socket;
  if (socket === null || socket.writableLength === 0) {
    return Promise.resolve();
  }

  return new Promise((resolve, reject) => {
    socket.write(Buffer.alloc(0), (error) => {
      if (error) {
        reject(new ClientGoneError('The client closed the connection', { cause: error }));
      } else {
        resolve();
      }
    });
  });
}

/** Writes a chunk in slices of `bytesPerChunk` bytes with a pause after each. */
async function trickle(
  res: ServerResponse,
  chunk: string,
  bytesPerChunk: number,
  delayMs: number,
  signal: AbortSignal,
): Promise<void> {
  const bytes = Buffer.from(chunk);
  for (let start = 0; start < bytes.length; start += bytesPerChunk) {
    await writeChunk(res, bytes.subarray(start, start + bytesPerChunk));
    await sleep(delayMs, undefined, { signal });
  }
}
