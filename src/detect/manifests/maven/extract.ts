/**
 * pom.xml reader (fast-xml-parser). Reports `<parent>`, dependencies, dependencyManagement
 * (BOM imports included), build plugins and their dependencies, also inside `<profiles>`.
 * `${...}` is resolved from `<properties>` and the project's own coordinates; anything else
 * (`${revision}` from the command line, `${env.X}`) is left as written.
 */
import {
  ManifestParseError,
  type Dependency,
  type DependencyScope,
  type ExtractResult,
} from "../types.js";
import { child, childText, children, parseXml, textOf, type XmlDocument, type XmlNode } from "../shared/xml.js";

/** Maven's implicit groupId for `<plugin>` entries that leave it out. */
const DEFAULT_PLUGIN_GROUP = "org.apache.maven.plugins";

export function extractPom(text: string): ExtractResult {
  const doc = parseXml(text);
  if (!doc) return { dependencies: [] };
  if (doc.rootName !== "project") {
    throw new ManifestParseError(`root element is <${doc.rootName}>, expected <project>`, doc.lineOf(doc.root));
  }
  const project = doc.root;
  const resolve = interpolator(project);
  const out: Dependency[] = [];

  const parent = child(project, "parent");
  if (parent) out.push(coordinate(parent, "prod", doc, resolve, "parent"));

  const collect = (owner: XmlNode): void => {
    for (const dep of children(child(owner, "dependencies"), "dependency")) {
      out.push(dependency(dep, doc, resolve));
    }
    const managed = child(child(owner, "dependencyManagement"), "dependencies");
    for (const dep of children(managed, "dependency")) out.push(dependency(dep, doc, resolve));

    const build = child(owner, "build");
    const plugins = [
      ...children(child(build, "plugins"), "plugin"),
      ...children(child(child(build, "pluginManagement"), "plugins"), "plugin"),
    ];
    for (const plugin of plugins) {
      // Plugins and their extra dependencies run at build time only.
      out.push(coordinate(plugin, "dev", doc, resolve, "plugin", DEFAULT_PLUGIN_GROUP));
      for (const dep of children(child(plugin, "dependencies"), "dependency")) {
        out.push(coordinate(dep, "dev", doc, resolve, "plugin dependency"));
      }
    }
  };

  collect(project);
  for (const profile of children(child(project, "profiles"), "profile")) collect(profile);
  return { dependencies: out };
}

function dependency(node: XmlNode, doc: XmlDocument, resolve: Resolve): Dependency {
  const scope = resolve(childText(node, "scope") ?? "");
  const optional = resolve(childText(node, "optional") ?? "") === "true";
  let depScope: DependencyScope = "prod";
  if (scope === "test" || scope === "provided") depScope = "dev";
  else if (optional) depScope = "optional";
  return coordinate(node, depScope, doc, resolve, "dependency");
}

function coordinate(
  node: XmlNode,
  scope: DependencyScope,
  doc: XmlDocument,
  resolve: Resolve,
  what: string,
  defaultGroup?: string,
): Dependency {
  const groupId = childText(node, "groupId") ?? defaultGroup;
  const artifactId = childText(node, "artifactId");
  if (!groupId || !artifactId) {
    throw new ManifestParseError(`${what} is missing ${groupId ? "artifactId" : "groupId"}`, doc.lineOf(node));
  }
  const dep: Dependency = { name: `${resolve(groupId)}:${resolve(artifactId)}`, scope, direct: true };
  const version = childText(node, "version");
  if (version) dep.version = resolve(version);
  return dep;
}

type Resolve = (value: string) => string;

function interpolator(project: XmlNode): Resolve {
  const props = new Map<string, string>();
  const properties = child(project, "properties");
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (key.startsWith("@_") || key.startsWith("#") || !Array.isArray(value)) continue;
    const node = children(properties, key)[0];
    if (node) props.set(key, textOf(node));
  }

  const parent = child(project, "parent");
  // A module without its own groupId/version inherits them from <parent>.
  const builtins: Record<string, string | undefined> = {
    "project.groupId": childText(project, "groupId") ?? childText(parent, "groupId"),
    "project.artifactId": childText(project, "artifactId"),
    "project.version": childText(project, "version") ?? childText(parent, "version"),
    "project.parent.groupId": childText(parent, "groupId"),
    "project.parent.artifactId": childText(parent, "artifactId"),
    "project.parent.version": childText(parent, "version"),
  };
  // Maven 2 spellings, still found in old poms.
  builtins["pom.version"] = builtins["project.version"];
  builtins["version"] = builtins["project.version"];
  builtins["pom.groupId"] = builtins["project.groupId"];

  const lookup = (key: string): string | undefined => props.get(key) ?? builtins[key];

  const resolve = (value: string, depth = 0): string =>
    value.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
      const found = lookup(key.trim());
      // Depth limit: a property that refers to itself stays unresolved instead of looping.
      if (found === undefined || depth >= 10) return whole;
      return resolve(found, depth + 1);
    });
  return (value) => resolve(value);
}
