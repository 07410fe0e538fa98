import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/dockerfile/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/dockerfile/${name}`, import.meta.url), "utf8");

const extract = (text: string) => manager.extract(text, "Dockerfile").dependencies;

function parseError(text: string): ManifestParseError {
  try {
    manager.extract(text, "Dockerfile");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

const image = (name: string, version?: string) => ({
  name,
  ...(version !== undefined ? { version } : {}),
  scope: "prod",
  direct: true,
});

describe("dockerfile manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "dockerfile", ecosystem: "docker", kind: "manifest" });
    const matches = (p: string) => manager.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));
    for (const p of ["Dockerfile", "docker/Dockerfile", "Dockerfile.train", "serve/gpu.Dockerfile", "Containerfile"]) {
      expect(matches(p)).toBe(true);
    }
    for (const p of ["Dockerfile.dockerignore", "dockerfile-lint.json", ".dockerignore"]) {
      expect(matches(p)).toBe(false);
    }
  });

  it("reads a multi-stage training image: ARG defaults, stages, COPY --from, heredocs, continuations", () => {
    expect(extract(fixture("trainer/Dockerfile.train"))).toEqual([
      image("nvcr.io/nvidia/pytorch", "24.01-py3"),
      image("nvidia/cuda", "12.4.1-cudnn-runtime-ubuntu22.04"),
      image("ghcr.io/astral-sh/uv", "0.6.3"),
      // TRITON_TAG is declared without a default, so ${TRITON_TAG:-...} falls back.
      image("nvcr.io/nvidia/tritonserver", "24.01-py3"),
    ]);
  });

  it("reads a single-stage image", () => {
    expect(extract(fixture("model-server/ollama.Dockerfile"))).toEqual([image("ollama/ollama", "0.5.7")]);
  });

  it("appends the digest to the version and keeps registry hosts and ports", () => {
    expect(
      extract(
        [
          "FROM pytorch/pytorch@sha256:0123abcd",
          "FROM localhost:5000/vllm/vllm-openai:v0.7.3@sha256:feedbeef AS serve",
          "FROM ghcr.io/huggingface/text-generation-inference",
          "FROM docker.io/library/python:3.12-slim",
        ].join("\n"),
      ),
    ).toEqual([
      image("pytorch/pytorch", "@sha256:0123abcd"),
      image("localhost:5000/vllm/vllm-openai", "v0.7.3@sha256:feedbeef"),
      image("ghcr.io/huggingface/text-generation-inference"),
      image("docker.io/library/python", "3.12-slim"),
    ]);
  });

  it("skips scratch and earlier stage names (case-insensitively) but not later ones", () => {
    const text = ["FROM scratch AS Base", "FROM base", "FROM BASE AS x", "FROM runtime", "FROM alpine AS runtime"].join("\n");
    expect(extract(text)).toEqual([image("runtime"), image("alpine")]);
  });

  it("substitutes ${VAR}, $VAR, ${VAR:-default} and ${VAR:+alt}; ARGs after FROM do not apply", () => {
    const text = [
      "ARG BASE=ollama/ollama",
      'ARG TAG="0.5.7"',
      "ARG EMPTY=",
      "ARG SUFFIX FLAVOR=rocm",
      "FROM $BASE:${TAG}-${FLAVOR} AS a",
      "ARG TAG=9.9.9",
      "FROM ${BASE}:${TAG} AS b",
      "FROM python:${EMPTY:-3.12}${SUFFIX:+-slim}",
      "FROM pytorch/pytorch:${UNKNOWN}",
    ].join("\n");
    expect(extract(text)).toEqual([
      image("ollama/ollama", "0.5.7-rocm"),
      image("ollama/ollama", "0.5.7"),
      image("python", "3.12"),
      // Unknown values stay visible instead of silently becoming an empty tag.
      image("pytorch/pytorch", "${UNKNOWN}"),
    ]);
  });

  it("skips an image whose name comes entirely from an ARG without default", () => {
    expect(extract("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN true\n")).toEqual([]);
  });

  it("honours the escape parser directive", () => {
    const text = ["# escape=`", "FROM mcr.microsoft.com/windows/servercore:ltsc2022", "RUN dir `", "    C:\\", "FROM `", "  pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"].join("\n");
    expect(extract(text)).toEqual([
      image("mcr.microsoft.com/windows/servercore", "ltsc2022"),
      image("pytorch/pytorch", "2.5.1-cuda12.4-cudnn9-runtime"),
    ]);
  });

  it("returns no dependencies for an empty or comment-only file", () => {
    expect(manager.extract("", "Dockerfile")).toEqual({ dependencies: [] });
    expect(extract("# TODO: write the image\n\n")).toEqual([]);
  });

  it("reads an image with no AI packages", () => {
    expect(extract(fixture("web/Dockerfile"))).toEqual([
      image("node", "20.11-alpine@sha256:bf77dc26e48ea95fca9d1aceb5acfa69d2e546b765ec2abfb502975f1a2d4def"),
      image("gcr.io/distroless/nodejs20-debian12"),
    ]);
  });

  describe("malformed files", () => {
    it("rejects an unknown instruction with its line", () => {
      const err = parseError("FROM python:3.12\n\nRUN pip install torch\nINSTALL transformers\n");
      expect(err.message).toMatch(/unknown instruction "INSTALL"/);
      expect(err.line).toBe(4);
    });

    it("rejects a file that is not a Dockerfile", () => {
      const err = parseError("version: '3.8'\nservices:\n  app:\n    image: ollama/ollama\n");
      expect(err.line).toBe(1);
    });

    it("rejects instructions before the first FROM", () => {
      const err = parseError("ARG X=1\nRUN echo hi\nFROM alpine\n");
      expect(err.message).toMatch(/RUN before the first FROM/);
      expect(err.line).toBe(2);
    });

    it("rejects FROM without an image and a malformed AS clause", () => {
      expect(parseError("FROM --platform=linux/arm64\n").message).toMatch(/needs an image/);
      expect(parseError("FROM alpine\nFROM python:3.12 build\n").line).toBe(2);
    });

    it("rejects an invalid image reference", () => {
      const err = parseError("FROM alpine\nFROM pytorch/pytorch:\n");
      expect(err.message).toMatch(/invalid image reference/);
      expect(err.line).toBe(2);
    });

    it("rejects an unterminated heredoc, pointing at its instruction", () => {
      const err = parseError("FROM alpine\nRUN <<EOT\napk add curl\n");
      expect(err.message).toMatch(/heredoc "EOT"/);
      expect(err.line).toBe(2);
    });
  });
});
