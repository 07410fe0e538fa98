import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/maven/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/maven/${name}`, import.meta.url), "utf8");

const extract = (text: string) => manager.extract(text, "pom.xml").dependencies;

function parseError(text: string): ManifestParseError {
  try {
    manager.extract(text, "pom.xml");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

const pom = (body: string, head = ""): string =>
  `<?xml version="1.0"?>\n<project>\n  <modelVersion>4.0.0</modelVersion>\n${head}  <dependencies>\n${body}  </dependencies>\n</project>\n`;

describe("maven manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "maven", ecosystem: "maven", kind: "manifest" });
    const matches = (p: string) => manager.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));
    expect(matches("pom.xml")).toBe(true);
    expect(matches("services/chat/pom.xml")).toBe(true);
    expect(matches("pom.xml.orig")).toBe(false);
  });

  it("reads a Spring AI project: parent, BOM import, properties, scopes, plugins, profiles", () => {
    expect(extract(fixture("support-assistant/pom.xml"))).toEqual([
      { name: "org.springframework.boot:spring-boot-starter-parent", version: "3.4.3", scope: "prod", direct: true },
      { name: "org.springframework.boot:spring-boot-starter-web", scope: "prod", direct: true },
      { name: "org.springframework.ai:spring-ai-openai-spring-boot-starter", scope: "prod", direct: true },
      { name: "org.springframework.ai:spring-ai-pgvector-store-spring-boot-starter", scope: "prod", direct: true },
      { name: "dev.langchain4j:langchain4j-anthropic", version: "1.0.0-beta1", scope: "prod", direct: true },
      // ${djl.engine.version} -> ${djl.version} -> 0.31.1; runtime scope still ships.
      { name: "ai.djl.pytorch:pytorch-engine", version: "0.31.1", scope: "prod", direct: true },
      { name: "com.acme.support:support-prompts", version: "1.7.0-SNAPSHOT", scope: "prod", direct: true },
      { name: "com.microsoft.onnxruntime:onnxruntime", version: "1.20.0", scope: "optional", direct: true },
      { name: "org.projectlombok:lombok", scope: "dev", direct: true },
      { name: "org.springframework.ai:spring-ai-test", scope: "dev", direct: true },
      { name: "org.testcontainers:ollama", version: "1.20.5", scope: "dev", direct: true },
      { name: "org.springframework.ai:spring-ai-bom", version: "1.0.0-M6", scope: "prod", direct: true },
      { name: "org.springframework.boot:spring-boot-maven-plugin", scope: "dev", direct: true },
      { name: "org.apache.maven.plugins:maven-surefire-plugin", version: "3.5.2", scope: "dev", direct: true },
      { name: "com.microsoft.onnxruntime:onnxruntime_gpu", version: "1.20.0", scope: "prod", direct: true },
    ]);
  });

  it("keeps version strings such as 1.10 and 2.0 exactly", () => {
    const deps = extract(
      pom(
        "    <dependency><groupId>ml.dmlc</groupId><artifactId>xgboost4j_2.12</artifactId><version>2.0</version></dependency>\n" +
          "    <dependency><groupId>a</groupId><artifactId>b</artifactId><version>1.10</version></dependency>\n",
      ),
    );
    expect(deps.map((d) => d.version)).toEqual(["2.0", "1.10"]);
  });

  it("takes ${project.version} from the parent when the module has none, and leaves unknown properties", () => {
    const head =
      "  <parent><groupId>dev.langchain4j</groupId><artifactId>langchain4j-parent</artifactId><version>1.0.1</version></parent>\n" +
      "  <artifactId>langchain4j-ollama</artifactId>\n" +
      "  <properties><self>${self}</self></properties>\n";
    const deps = extract(
      pom(
        "    <dependency><groupId>${project.groupId}</groupId><artifactId>langchain4j-core</artifactId><version>${project.version}</version></dependency>\n" +
          "    <dependency><groupId>io.github.ollama4j</groupId><artifactId>ollama4j</artifactId><version>${revision}</version></dependency>\n" +
          "    <dependency><groupId>x</groupId><artifactId>y</artifactId><version>${self}</version></dependency>\n",
        head,
      ),
    );
    expect(deps).toEqual([
      { name: "dev.langchain4j:langchain4j-parent", version: "1.0.1", scope: "prod", direct: true },
      { name: "dev.langchain4j:langchain4j-core", version: "1.0.1", scope: "prod", direct: true },
      { name: "io.github.ollama4j:ollama4j", version: "${revision}", scope: "prod", direct: true },
      { name: "x:y", version: "${self}", scope: "prod", direct: true },
    ]);
  });

  it("reads plugin dependencies as dev", () => {
    const text =
      "<project><build><pluginManagement><plugins><plugin>" +
      "<groupId>org.openapitools</groupId><artifactId>openapi-generator-maven-plugin</artifactId><version>7.11.0</version>" +
      "<dependencies><dependency><groupId>com.openai</groupId><artifactId>openai-java</artifactId><version>0.30.0</version></dependency></dependencies>" +
      "</plugin></plugins></pluginManagement></build></project>";
    expect(extract(text)).toEqual([
      { name: "org.openapitools:openapi-generator-maven-plugin", version: "7.11.0", scope: "dev", direct: true },
      { name: "com.openai:openai-java", version: "0.30.0", scope: "dev", direct: true },
    ]);
  });

  it("returns no dependencies for an empty file or a pom without dependencies", () => {
    expect(manager.extract("", "pom.xml")).toEqual({ dependencies: [] });
    expect(extract("<project><modelVersion>4.0.0</modelVersion></project>")).toEqual([]);
  });

  it("reads a project with no AI packages", () => {
    expect(extract(fixture("billing/pom.xml"))).toEqual([
      { name: "com.fasterxml.jackson.core:jackson-databind", version: "2.18.2", scope: "prod", direct: true },
      { name: "org.postgresql:postgresql", version: "42.7.5", scope: "prod", direct: true },
      { name: "org.junit.jupiter:junit-jupiter", version: "5.11.4", scope: "dev", direct: true },
    ]);
  });

  describe("malformed files", () => {
    it("reports mismatched tags with the validator's line and column", () => {
      const err = parseError(
        pom("    <dependency>\n      <groupId>com.openai</groupId>\n      <artifactId>openai-java</groupId>\n    </dependency>\n"),
      );
      expect(err.message).toMatch(/^invalid XML: .*closing tag/);
      expect(err.line).toBe(7);
      expect(err.column).toBeGreaterThan(0);
    });

    it("rejects text that is not XML", () => {
      const err = parseError("this is not a pom\n");
      expect(err.message).toMatch(/^invalid XML/);
      expect(err.line).toBe(1);
    });

    it("rejects XML whose root is not <project>", () => {
      const err = parseError('<?xml version="1.0"?>\n<settings><mirrors/></settings>\n');
      expect(err.message).toMatch(/root element is <settings>/);
      expect(err.line).toBe(2);
    });

    it("rejects a dependency without artifactId, pointing at it", () => {
      const err = parseError(pom("    <dependency>\n      <groupId>ai.djl</groupId>\n    </dependency>\n"));
      expect(err.message).toMatch(/dependency is missing artifactId/);
      expect(err.line).toBe(5);
    });
  });
});
