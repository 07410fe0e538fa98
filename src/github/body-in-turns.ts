import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Response bodies handled a slice at a time, with a turn of the event loop between slices. A
 * 20 MB lockfile arrives from GitHub faster than it is read, so a plain `arrayBuffer()` or `text()`
 * drains every buffered chunk in one chain of microtasks and the server answers nothing else
 * (`/ping`, other webhooks) until the whole body is copied. Reading in turns bounds each pause.
 */

/** Bytes handled before giving other work a turn. */
export const TURN_BYTES = 1024 * 1024;

/** The body's declared length, when the answer gives one. */
export function declaredLength(res: Response): number | undefined {
  const value = Number(res.headers.get("content-length") ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Every byte of `res`'s body, read in turns; into one buffer sized up front when the length is declared. */
export async function readInTurns(res: Response): Promise<ArrayBuffer> {
  return res.body ? readStreamInTurns(res.body, declaredLength(res)) : new ArrayBuffer(0);
}

/** Every byte of `stream`, read in turns; into one buffer of `expected` bytes when that is known. */
export async function readStreamInTurns(stream: ReadableStream<Uint8Array>, expected?: number): Promise<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  let target = expected !== undefined ? new Uint8Array(expected) : undefined;
  let length = 0;
  let sinceTurn = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    if (target && length + chunk.byteLength <= target.byteLength) target.set(chunk, length);
    else {
      // More than declared (a wrong header): fall back to collecting the chunks.
      if (target) chunks.push(target.subarray(0, length));
      target = undefined;
      chunks.push(chunk);
    }
    length += chunk.byteLength;
    sinceTurn += chunk.byteLength;
    if (sinceTurn >= TURN_BYTES) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  if (target) return target.byteLength === length ? (target.buffer as ArrayBuffer) : (target.slice(0, length).buffer as ArrayBuffer);
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
    if (offset % TURN_BYTES < chunk.byteLength) await nextTurn();
  }
  return all.buffer;
}

/**
 * A stream of copies of `body`, a slice per turn: the reader gets its own bytes (the kept buffer
 * can neither be changed nor handed to another thread through it) without one long copy.
 */
export function streamInTurns(body: ArrayBuffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset > 0) await nextTurn();
      const end = Math.min(body.byteLength, offset + TURN_BYTES);
      controller.enqueue(new Uint8Array(body.slice(offset, end)));
      offset = end;
      if (offset >= body.byteLength) controller.close();
    },
  });
}

/** `res` with its body passed on a slice per turn, for a reader that would drain it at once. */
export function inTurns(res: Response): Response {
  if (!res.body) return res;
  const reader = res.body.getReader();
  let sinceTurn = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await nextTurn();
      }
      const { done, value } = await reader.read();
      if (done) return controller.close();
      sinceTurn += value.byteLength;
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return withUrl(new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers }), res.url);
}

/** A made Response has no URL; Octokit reads it (pagination, errors), so give it the request's. */
export function withUrl(response: Response, url: string): Response {
  Object.defineProperty(response, "url", { value: url });
  return response;
}
