import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/gradle/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/gradle/${name}`, import.meta.url), "utf8");

const KTS = "app/build.gradle.kts";
const GROOVY = "build.gradle";
const CATALOG = "gradle/libs.versions.toml";
const extract = (text: string, path = KTS) => manager.extract(text, path).dependencies;

function parseError(text: string, path = KTS): ManifestParseError {
  try {
    manager.extract(text, path);
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

type Scope = "prod" | "dev" | "optional";
const dep = (name: string, version?: string, scope: Scope = "prod") => ({
  name,
  ...(version !== undefined ? { version } : {}),
  scope,
  direct: true,
});

describe("gradle manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "gradle", ecosystem: "maven", kind: "manifest" });
    const matches = (p: string) => manager.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));
    for (const p of ["build.gradle", "app/build.gradle.kts", "gradle/libs.versions.toml", "tools/gradle/ai.versions.toml"]) {
      expect(matches(p)).toBe(true);
    }
    for (const p of ["settings.gradle.kts", "gradle.properties", "libs.versions.toml", "gradle/wrapper/gradle-wrapper.properties"]) {
      expect(matches(p)).toBe(false);
    }
  });

  describe("build scripts", () => {
    it("reads an Android KTS app with TensorFlow Lite: variables, platform(), named arguments, scopes", () => {
      expect(extract(fixture("plant-id/app/build.gradle.kts"))).toEqual([
        dep("androidx.core:core-ktx", "1.15.0"),
        dep("androidx.camera:camera-camera2", "1.4.1"),
        dep("androidx.camera:camera-lifecycle", "1.4.1"),
        dep("org.tensorflow:tensorflow-lite", "2.16.1"),
        dep("org.tensorflow:tensorflow-lite-gpu", "2.16.1"),
        dep("org.tensorflow:tensorflow-lite-support", "0.4.4"),
        dep("com.google.mediapipe:tasks-vision", "0.10.20"),
        dep("com.google.firebase:firebase-bom", "33.9.0"),
        dep("com.google.firebase:firebase-ml-modeldownloader-ktx"),
        // project(...), libs.* and files(...) are not coordinates.
        dep("com.google.dagger:hilt-compiler", "2.55", "dev"),
        dep("junit:junit", "4.13.2", "dev"),
        dep("androidx.test.espresso:espresso-core", "3.6.1", "dev"),
        dep("com.squareup.leakcanary:leakcanary-android", "2.14", "dev"),
      ]);
    });

    it("reads a Groovy script: buildscript classpath, ext variables, map notation over lines, several per line", () => {
      expect(extract(fixture("recommender/build.gradle"), GROOVY)).toEqual([
        dep("org.springframework.boot:spring-boot-gradle-plugin", "3.4.3", "dev"),
        dep("org.springframework.boot:spring-boot-starter-web"),
        dep("dev.langchain4j:langchain4j-open-ai", "1.0.0-beta1"),
        dep("dev.langchain4j:langchain4j-embeddings", "1.0.0-beta1"),
        dep("ai.djl:api", "0.31.1"),
        dep("ai.djl.pytorch:pytorch-engine", "0.31.1"),
        dep("com.microsoft.onnxruntime:onnxruntime", "1.20.0"),
        dep("org.postgresql:postgresql", "42.7.5"),
        dep("com.openai:openai-java", "0.30.0"),
        dep("org.projectlombok:lombok", "1.18.36", "dev"),
        dep("org.projectlombok:lombok", "1.18.36", "dev"),
        dep("org.junit.jupiter:junit-jupiter", "5.11.4", "dev"),
        dep("com.google.protobuf:protobuf-java", "4.29.3"),
      ]);
    });

    it("handles one-line blocks, add(), quoted configurations, classifiers and unresolved variables", () => {
      const text = [
        'dependencies { implementation("ai.djl.huggingface:tokenizers:0.31.1") }',
        "dependencies {",
        '    add("testFixturesImplementation", "io.github.ollama4j:ollama4j:1.0.89")',
        '    "kapt"("com.google.dagger:dagger-compiler:2.55")',
        '    implementation("org.bytedeco:javacpp:1.5.11:linux-x86_64@jar")',
        '    implementation("com.azure:azure-ai-openai:${Versions.azureOpenAi}")',
        '    implementation("org.example:escaped:\\$notAVariable")',
        "    implementation(enforcedPlatform(\"ai.djl:bom:0.31.1\"))",
        "}",
      ].join("\n");
      expect(extract(text)).toEqual([
        dep("ai.djl.huggingface:tokenizers", "0.31.1"),
        dep("io.github.ollama4j:ollama4j", "1.0.89", "dev"),
        dep("com.google.dagger:dagger-compiler", "2.55", "dev"),
        dep("org.bytedeco:javacpp", "1.5.11"),
        dep("com.azure:azure-ai-openai", "${Versions.azureOpenAi}"),
        dep("org.example:escaped", "$notAVariable"),
        dep("ai.djl:bom", "0.31.1"),
      ]);
    });

    it("ignores coordinates outside dependency blocks and inside comments and closures", () => {
      const text = [
        "// implementation('com.openai:openai-java:1.0.0')",
        "configurations.all { resolutionStrategy { force 'com.google.guava:guava:33.4.0-jre' } }",
        "dependencies {",
        "    /* implementation 'dev.langchain4j:langchain4j:1.0.0' */",
        "    implementation('org.slf4j:slf4j-api:2.0.16') { exclude group: 'ch.qos.logback', module: 'logback-classic' }",
        "}",
        "tasks.register('hello') { doLast { println 'a:b:c' } }",
      ].join("\n");
      expect(extract(text, GROOVY)).toEqual([dep("org.slf4j:slf4j-api", "2.0.16")]);
    });

    it("returns no dependencies for an empty script or one without dependencies", () => {
      expect(manager.extract("", KTS)).toEqual({ dependencies: [] });
      expect(extract("plugins {\n    `java-library`\n}\n")).toEqual([]);
    });

    it("reads a project with no AI packages", () => {
      expect(extract(fixture("string-utils/build.gradle.kts"))).toEqual([
        dep("com.google.guava:guava", "33.4.0-jre"),
        dep("org.slf4j:slf4j-api", "2.0.16"),
        dep("org.junit:junit-bom", "5.11.4", "dev"),
        dep("org.junit.jupiter:junit-jupiter", undefined, "dev"),
      ]);
    });

    describe("malformed scripts", () => {
      it("rejects an unclosed block, pointing at where it opens", () => {
        const err = parseError('plugins {\n    id("java")\n}\n\ndependencies {\n    implementation("a:b:1")\n');
        expect(err.message).toMatch(/"\{" is never closed/);
        expect(err.line).toBe(5);
      });

      it("rejects a mismatched bracket", () => {
        const err = parseError('dependencies {\n    implementation("a:b:1"}\n}\n');
        expect(err.message).toMatch(/unexpected "\}"/);
        expect(err.line).toBe(2);
      });

      it("rejects an unterminated string", () => {
        const err = parseError("dependencies {\n    implementation 'org.tensorflow:tensorflow-lite:2.16.1\n}\n", GROOVY);
        expect(err.message).toMatch(/unterminated ' string/);
        expect(err.line).toBe(2);
      });

      it("rejects an unterminated block comment", () => {
        expect(parseError("dependencies {\n}\n/* notes\n").line).toBe(3);
      });

      it("rejects text that is not a build script", () => {
        expect(parseError("{\"dependencies\": [}\n").line).toBe(1);
      });
    });
  });

  describe("version catalogs", () => {
    it("reads libraries with version.ref, group/name, string notation and rich versions", () => {
      expect(extract(fixture("recommender/gradle/libs.versions.toml"), CATALOG)).toEqual([
        dep("dev.langchain4j:langchain4j-core", "1.0.0-beta1"),
        dep("dev.langchain4j:langchain4j-ollama", "1.0.0-beta1"),
        dep("org.tensorflow:tensorflow-lite", "2.16.1"),
        dep("io.ktor:ktor-client-core", "3.0.3"),
        dep("com.anthropic:anthropic-java", "0.8.0"),
        dep("org.springframework.ai:spring-ai-bom", "1.0.0-M6"),
        dep("org.springframework.ai:spring-ai-openai-spring-boot-starter"),
        dep("com.microsoft.onnxruntime:onnxruntime", "1.20.0"),
        dep("androidx.core:core-ktx"),
      ]);
    });

    it("returns no dependencies for an empty catalog or one with only versions", () => {
      expect(manager.extract("", CATALOG)).toEqual({ dependencies: [] });
      expect(extract('[versions]\nkotlin = "2.1.10"\n', CATALOG)).toEqual([]);
    });

    describe("malformed catalogs", () => {
      it("maps a TOML syntax error to its line", () => {
        const err = parseError('[versions]\nkotlin = "2.1.10"\n[libraries\nx = "a:b:1"\n', CATALOG);
        expect(err.message).toMatch(/^invalid TOML: /);
        expect(err.line).toBe(3);
      });

      it("rejects a version.ref that is not declared, pointing at the library", () => {
        const text = '[versions]\ntflite = "2.16.1"\n\n[libraries]\ntensorflow-lite = { module = "org.tensorflow:tensorflow-lite", version.ref = "tf-lite" }\n';
        const err = parseError(text, CATALOG);
        expect(err.message).toMatch(/version.ref "tf-lite" is not in \[versions\]/);
        expect(err.line).toBe(5);
      });

      it("points at the library entry, not a version of the same name", () => {
        const text = '[versions]\nonnx = "1.20.0"\n\n[libraries]\nonnx = { version.ref = "onnx" }\n';
        expect(parseError(text, CATALOG).line).toBe(5);
      });

      it("rejects a library without module or group/name, and a bad module string", () => {
        expect(parseError('[libraries]\nx = { version = "1" }\n', CATALOG).message).toMatch(/needs "module"/);
        expect(parseError('[libraries]\nx = { module = "just-a-name" }\n', CATALOG).line).toBe(2);
        expect(parseError('[libraries]\nx = "a"\n', CATALOG).message).toMatch(/not group:artifact/);
      });
    });
  });
});
