/**
 * NuGet references in MSBuild project files (`*.csproj`, `*.fsproj`, `*.vbproj`,
 * `Directory.Packages.props`, `Directory.Build.props`) and in legacy `packages.config`
 * (fast-xml-parser). MSBuild names are case-insensitive, so elements, attributes and
 * metadata are matched without regard to case. `$(Property)` is resolved from the file's
 * own PropertyGroups; properties defined elsewhere stay as written.
 */
import {
  ManifestParseError,
  type Dependency,
  type DependencyScope,
  type ExtractResult,
} from "../types.js";
import { children, parseXml, textOf, type XmlDocument, type XmlNode } from "../shared/xml.js";

export function extractNuget(text: string, path: string): ExtractResult {
  const doc = parseXml(text);
  if (!doc) return { dependencies: [] };
  const isPackagesConfig = basename(path).toLowerCase() === "packages.config";
  const expected = isPackagesConfig ? "packages" : "project";
  if (doc.rootName.toLowerCase() !== expected) {
    const want = isPackagesConfig ? "<packages>" : "<Project>";
    throw new ManifestParseError(`root element is <${doc.rootName}>, expected ${want}`, doc.lineOf(doc.root));
  }
  return { dependencies: isPackagesConfig ? packagesConfig(doc) : msbuild(doc) };
}

function packagesConfig(doc: XmlDocument): Dependency[] {
  return elements(doc.root, "package").map((node) => {
    const id = metadata(node, "id");
    if (!id) throw new ManifestParseError("<package> has no id", doc.lineOf(node));
    const dep: Dependency = {
      name: id,
      scope: metadata(node, "developmentDependency")?.toLowerCase() === "true" ? "dev" : "prod",
      direct: true,
    };
    const version = metadata(node, "version");
    if (version) dep.version = version;
    return dep;
  });
}

/** Item types that name a package, and the scope they imply before PrivateAssets. */
const ITEM_TYPES: Record<string, DependencyScope> = {
  packagereference: "prod",
  // Central package management: the versions every project in the tree may use.
  packageversion: "prod",
  // Applied to every project as a private asset: analyzers and build tools.
  globalpackagereference: "dev",
};

function msbuild(doc: XmlDocument): Dependency[] {
  const props = properties(doc.root);
  const expand = (value: string, depth = 0): string =>
    value.replace(/\$\(([A-Za-z_][\w.-]*)\)/g, (whole, name: string) => {
      const found = props.get(name.toLowerCase());
      return found === undefined || depth >= 10 ? whole : expand(found, depth + 1);
    });

  const out: Dependency[] = [];
  walk(doc.root, (name, node) => {
    const baseScope = ITEM_TYPES[name.toLowerCase()];
    if (baseScope === undefined) return;
    if (metadata(node, "Remove") !== undefined) return;
    const include = metadata(node, "Include") ?? metadata(node, "Update");
    if (!include) {
      throw new ManifestParseError(`<${name}> has neither Include nor Update`, doc.lineOf(node));
    }
    const version = metadata(node, "Version") ?? metadata(node, "VersionOverride");
    const scope = privateAll(metadata(node, "PrivateAssets")) ? "dev" : baseScope;
    // An item may list several packages separated by semicolons.
    for (const id of expand(include).split(";").map((s) => s.trim()).filter(Boolean)) {
      const dep: Dependency = { name: id, scope, direct: true };
      if (version) dep.version = expand(version);
      out.push(dep);
    }
  });
  return out;
}

function privateAll(value: string | undefined): boolean {
  return value !== undefined && value.split(";").some((v) => v.trim().toLowerCase() === "all");
}

/** PropertyGroup values by lower-cased name; later definitions win, as in MSBuild. */
function properties(root: XmlNode): Map<string, string> {
  const props = new Map<string, string>();
  walk(root, (name, node) => {
    if (name.toLowerCase() !== "propertygroup") return;
    for (const key of elementKeys(node)) {
      for (const value of children(node, key)) props.set(key.toLowerCase(), textOf(value));
    }
  });
  return props;
}

/** Visit every element below `node` (ItemGroups may sit inside Choose/When/Target). */
function walk(node: XmlNode, visit: (name: string, node: XmlNode) => void): void {
  for (const key of elementKeys(node)) {
    for (const c of children(node, key)) {
      visit(key, c);
      walk(c, visit);
    }
  }
}

function elements(node: XmlNode, name: string): XmlNode[] {
  return elementKeys(node)
    .filter((k) => k.toLowerCase() === name.toLowerCase())
    .flatMap((k) => children(node, k));
}

function elementKeys(node: XmlNode): string[] {
  return Object.keys(node).filter((k) => !k.startsWith("@_") && !k.startsWith("#") && !k.startsWith("?"));
}

/** Item metadata may be written as an attribute or as a child element. */
function metadata(node: XmlNode, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("@_") && key.slice(2).toLowerCase() === wanted && typeof value === "string") {
      return value.trim();
    }
  }
  const element = elements(node, name)[0];
  return element === undefined ? undefined : textOf(element);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
