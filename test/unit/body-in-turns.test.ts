import { describe, expect, it } from "@jest/globals";
import { readInTurns, streamInTurns, TURN_BYTES } from "../../src/github/body-in-turns.js";
import { ConditionalCache, conditionalFetch } from "../../src/github/conditional-cache.js";
import { ShaCache, shaCachedFetch } from "../../src/github/sha-cache.js";
import { bytesReader, contentReader } from "../../src/github/contents.js";
import { encodeInTurns } from "../../src/workers/off-thread.js";
import type { GitHub } from "../../src/ports/pull-request-context.js";

/** A body delivered in chunks of `size` bytes, as a socket would. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
      if (offset >= bytes.byteLength) controller.close();
    },
  });
}

function bytesOf(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7) % 251;
  return bytes;
}

/** Byte-for-byte equality without Jest's element-wise diff of megabytes. */
const same = (a: ArrayBuffer | Uint8Array, b: Uint8Array) => Buffer.from(a instanceof Uint8Array ? a : new Uint8Array(a)).equals(b);

/** Runs `work` and counts the turns of the event loop other work got meanwhile. */
async function turnsDuring<T>(work: Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let done = false;
  const ticker = (async () => {
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
  })();
  const result = await work;
  done = true;
  await ticker;
  return { result, turns };
}

describe("response bodies read in turns", () => {
  it("reads every byte, with or without a declared length, and when the declared length is wrong", async () => {
    const bytes = bytesOf(3 * TURN_BYTES + 123);
    for (const length of [String(bytes.byteLength), undefined, "10", String(bytes.byteLength + 5)]) {
      const res = new Response(chunked(bytes, 64 * 1024), { headers: length ? { "content-length": length } : {} });
      expect(same(await readInTurns(res), bytes)).toBe(true);
    }
  });

  it("lets other work run while a large body is read (one chain of microtasks would not)", async () => {
    const bytes = bytesOf(8 * TURN_BYTES);
    const { result, turns } = await turnsDuring(readInTurns(new Response(chunked(bytes, 64 * 1024))));
    expect(result.byteLength).toBe(bytes.byteLength);
    expect(turns).toBeGreaterThanOrEqual(7);
  });

  it("streams copies of a kept buffer: the reader can neither change it nor move it away", async () => {
    const kept = bytesOf(2 * TURN_BYTES + 1).buffer as ArrayBuffer;
    const before = new Uint8Array(kept).slice();
    const reader = streamInTurns(kept).getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(chunks).toHaveLength(3);
    for (const c of chunks) c.fill(0);
    structuredClone(chunks[0]!.buffer, { transfer: [chunks[0]!.buffer as ArrayBuffer] });
    expect(same(kept, before)).toBe(true);
  });
});

describe("the caches in front of GitHub and a large body", () => {
  const url = "https://api.github.com/repos/o/r/contents/package-lock.json?ref=" + "a".repeat(40);

  it("the conditional cache passes a body above its entry limit on without keeping it", async () => {
    const cache = new ConditionalCache({ maxEntries: 10, maxBytes: 1024, maxEntryBytes: 100 });
    const big = bytesOf(5000);
    const base = (async () => new Response(big.slice(), { headers: { etag: '"x"', "content-length": "5000" } })) as typeof fetch;
    const res = await conditionalFetch(cache, base)(url, { method: "GET", headers: {} });
    expect(same(await res.arrayBuffer(), big)).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it("the conditional cache serves a kept body again, whole, on 304", async () => {
    const cache = new ConditionalCache();
    const body = bytesOf(1.5 * TURN_BYTES);
    let calls = 0;
    const base = (async () => (calls++ === 0 ? new Response(body.slice(), { headers: { etag: '"x"' } }) : new Response(null, { status: 304, headers: { etag: '"x"' } }))) as typeof fetch;
    const fetcher = conditionalFetch(cache, base);
    expect(same(await (await fetcher(url, { headers: {} })).arrayBuffer(), body)).toBe(true);
    const again = await fetcher(url, { headers: {} });
    expect(again.status).toBe(200);
    expect(same(await again.arrayBuffer(), body)).toBe(true);
    expect(cache.stats().revalidated).toBe(1);
  });

  it("the SHA cache keeps a large body once and serves every reader an intact copy", async () => {
    const cache = new ShaCache({ maxBytes: 64 * 1024 * 1024, maxEntryBytes: 32 * 1024 * 1024 });
    const body = bytesOf(3 * TURN_BYTES + 5);
    let calls = 0;
    const base = (async () => {
      calls++;
      return new Response(chunked(body, 64 * 1024), { headers: { "content-length": String(body.byteLength) } });
    }) as typeof fetch;
    const fetcher = shaCachedFetch(cache, "installation-1", base);
    const first = new Uint8Array(await (await fetcher(url, {})).arrayBuffer());
    first.fill(0);
    const second = new Uint8Array(await (await fetcher(url, {})).arrayBuffer());
    expect(same(second, body)).toBe(true);
    expect(calls).toBe(1);
  });

  it("the SHA cache passes a body above its entry limit on without keeping it", async () => {
    const cache = new ShaCache({ maxBytes: 1024, maxEntryBytes: 100 });
    const big = bytesOf(5000);
    const base = (async () => new Response(big.slice(), { headers: { "content-length": "5000" } })) as typeof fetch;
    const res = await shaCachedFetch(cache, "i", base)(url, {});
    expect(same(await res.arrayBuffer(), big)).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });
});

describe("text across the event loop's turns", () => {
  it("encodes exactly as TextEncoder does, a surrogate pair on a slice boundary included", async () => {
    const slice = 1024 * 1024;
    const text = `${"a".repeat(slice - 1)}𝔸${"ö".repeat(slice)}\uFEFF€${"z".repeat(10)}`;
    expect(same(await encodeInTurns(text), new TextEncoder().encode(text))).toBe(true);
    expect(await encodeInTurns("")).toEqual(new Uint8Array(0));
  });

  it("the contents reader decodes a raw body whose characters are split across chunks", async () => {
    const text = `\uFEFF{"name":"shöp-𝔸"}${"é".repeat(100_000)}`;
    const bytes = new TextEncoder().encode(text);
    const octokit = {
      rest: {
        repos: {
          getContent: async () => ({ data: chunked(bytes, 7), headers: { "content-type": "application/vnd.github.raw+json; charset=utf-8" } }),
        },
      },
    } as unknown as GitHub;
    // A raw body's media type names JSON (vnd.github.raw+json); only a listing is JSON proper.
    expect(await contentReader(octokit)("o", "r", "package.json", "a".repeat(40))).toBe(new TextDecoder().decode(bytes));
  });

  it("the contents reader answers no file for a folder's listing, and the text of a JSON file served as JSON", async () => {
    const answer = (body: string) =>
      ({ rest: { repos: { getContent: async () => ({ data: chunked(new TextEncoder().encode(body), 5), headers: { "content-type": "application/json; charset=utf-8" } }) } } }) as unknown as GitHub;
    const listing = JSON.stringify([{ type: "file", path: "models/a.onnx", sha: "b".repeat(40), name: "a.onnx" }]);
    expect(await contentReader(answer(listing))("o", "r", "models", "a".repeat(40))).toBeUndefined();
    expect(await contentReader(answer('[{"name":"openai"}]'))("o", "r", "deps.json", "a".repeat(40))).toBe('[{"name":"openai"}]');
  });

  it("the bytes reader gives the file's bytes undecoded, without the byte order mark the text reader drops too", async () => {
    const text = `{"name":"shöp-𝔸"}${"é".repeat(100_000)}`;
    const bytes = new TextEncoder().encode(`\uFEFF${text}`);
    const octokit = { rest: { repos: { getContent: async () => ({ data: chunked(bytes, 4096), headers: { "content-type": "text/plain; charset=utf-8" } }) } } } as unknown as GitHub;
    const read = await bytesReader(octokit)("o", "r", "package.json", "a".repeat(40));
    expect(same(read!, new TextEncoder().encode(text))).toBe(true);
    expect(new TextDecoder().decode(read)).toBe(await contentReader({ rest: { repos: { getContent: async () => ({ data: chunked(bytes, 7), headers: {} }) } } } as unknown as GitHub)("o", "r", "package.json", "x"));
  });
});
