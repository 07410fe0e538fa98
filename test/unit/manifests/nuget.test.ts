import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/nuget/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/nuget/${name}`, import.meta.url), "utf8");

const extract = (text: string, path = "src/App/App.csproj") => manager.extract(text, path).dependencies;

function parseError(text: string, path = "App.csproj"): ManifestParseError {
  try {
    manager.extract(text, path);
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

describe("nuget manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "nuget", ecosystem: "nuget", kind: "manifest" });
    const matches = (p: string) => manager.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));
    for (const p of [
      "src/Api/Api.csproj",
      "Worker.fsproj",
      "legacy/Legacy.vbproj",
      "Directory.Packages.props",
      "src/Directory.Build.props",
      "old/Web/packages.config",
    ]) {
      expect(matches(p)).toBe(true);
    }
    expect(matches("src/Api/Api.csproj.user")).toBe(false);
    expect(matches("Directory.Build.targets")).toBe(false);
  });

  it("reads a Semantic Kernel project: attributes, child elements, properties, PrivateAssets, conditions", () => {
    expect(extract(fixture("support-copilot/src/SupportCopilot/SupportCopilot.csproj"))).toEqual([
      { name: "Microsoft.SemanticKernel", version: "1.40.1", scope: "prod", direct: true },
      { name: "Microsoft.SemanticKernel.Connectors.AzureOpenAI", version: "1.40.1", scope: "prod", direct: true },
      { name: "Azure.AI.OpenAI", version: "2.1.0", scope: "prod", direct: true },
      { name: "Microsoft.Extensions.AI", version: "9.3.0-preview.1.25114.11", scope: "prod", direct: true },
      { name: "Serilog.AspNetCore", version: "9.0.0", scope: "prod", direct: true },
      { name: "Microsoft.CodeAnalysis.NetAnalyzers", version: "9.0.0", scope: "dev", direct: true },
      { name: "StyleCop.Analyzers", version: "1.2.0-beta.556", scope: "dev", direct: true },
      { name: "Microsoft.ML.OnnxRuntime.Gpu", version: "[1.20.1,2.0)", scope: "prod", direct: true },
    ]);
  });

  it("reads central package management (PackageVersion, GlobalPackageReference)", () => {
    expect(extract(fixture("support-copilot/Directory.Packages.props"), "Directory.Packages.props")).toEqual([
      { name: "OpenAI", version: "2.1.0", scope: "prod", direct: true },
      { name: "LLamaSharp", version: "0.21.0", scope: "prod", direct: true },
      { name: "TorchSharp-cpu", version: "0.105.0", scope: "prod", direct: true },
      { name: "xunit", version: "2.9.3", scope: "prod", direct: true },
      { name: "Nerdbank.GitVersioning", version: "3.7.115", scope: "dev", direct: true },
    ]);
  });

  it("reads an F# project with centrally managed versions, VersionOverride and Update", () => {
    expect(extract(fixture("support-copilot/src/Worker/Worker.fsproj"), "src/Worker/Worker.fsproj")).toEqual([
      { name: "OpenAI", scope: "prod", direct: true },
      { name: "Microsoft.ML", version: "4.0.1", scope: "prod", direct: true },
      { name: "FSharp.Core", version: "9.0.201", scope: "prod", direct: true },
    ]);
  });

  it("reads packages.config", () => {
    expect(extract(fixture("legacy-web/packages.config"), "legacy/Web/packages.config")).toEqual([
      { name: "Microsoft.ML", version: "1.7.1", scope: "prod", direct: true },
      { name: "Newtonsoft.Json", version: "13.0.3", scope: "prod", direct: true },
      { name: "NUnit", version: "3.14.0", scope: "dev", direct: true },
    ]);
  });

  it("matches MSBuild names without regard to case and finds items inside Choose/When", () => {
    const text = [
      "<Project>",
      "  <Choose><When Condition=\"'$(UseGpu)' == 'true'\">",
      '    <ItemGroup><packagereference include="TorchSharp-cuda-linux" version="0.105.0" privateassets="All" /></ItemGroup>',
      "  </When></Choose>",
      "</Project>",
    ].join("\n");
    expect(extract(text)).toEqual([{ name: "TorchSharp-cuda-linux", version: "0.105.0", scope: "dev", direct: true }]);
  });

  it("returns no dependencies for an empty file or a project without packages", () => {
    expect(manager.extract("", "App.csproj")).toEqual({ dependencies: [] });
    expect(extract('<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType></PropertyGroup></Project>')).toEqual([]);
  });

  it("reads a project with no AI packages", () => {
    expect(extract(fixture("billing-api/Billing.Api.csproj")).map((d) => d.name)).toEqual(["Dapper", "Npgsql", "Swashbuckle.AspNetCore"]);
  });

  describe("malformed files", () => {
    it("reports broken XML with line and column", () => {
      const err = parseError(
        '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n    <PackageReference Include="OpenAI" Version="2.1.0">\n  </ItemGroup>\n</Project>\n',
      );
      expect(err.message).toMatch(/^invalid XML: /);
      expect(err.line).toBe(4);
    });

    it("rejects an unquoted attribute", () => {
      const err = parseError("<Project>\n<ItemGroup>\n<PackageReference Include=OpenAI />\n</ItemGroup>\n</Project>");
      expect(err.line).toBe(3);
    });

    it("rejects a project file whose root is not <Project>", () => {
      const err = parseError("<packages><package id=\"x\" version=\"1\" /></packages>");
      expect(err.message).toMatch(/expected <Project>/);
    });

    it("rejects a packages.config whose root is not <packages>", () => {
      expect(parseError("<Project />", "packages.config").message).toMatch(/expected <packages>/);
    });

    it("rejects a PackageReference without Include or Update, pointing at it", () => {
      const err = parseError('<Project>\n  <ItemGroup>\n    <PackageReference Version="1.0.0" />\n  </ItemGroup>\n</Project>\n');
      expect(err.message).toMatch(/neither Include nor Update/);
      expect(err.line).toBe(3);
    });

    it("rejects a packages.config entry without id", () => {
      expect(parseError('<packages>\n<package version="1.0" />\n</packages>', "packages.config").line).toBe(2);
    });
  });
});
