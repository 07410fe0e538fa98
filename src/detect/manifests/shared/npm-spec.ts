/**
 * npm package specs and resolved locations, shared by the npm-ecosystem managers.
 */
import semver from "semver";
import type { DependencyScope } from "../types.js";
import { redactUrl } from "./url.js";

/** Hosts of the public npm registry; registry.yarnpkg.com serves the same packages. */
const DEFAULT_REGISTRY_HOSTS = new Set(["registry.npmjs.org", "registry.npmjs.com", "registry.yarnpkg.com"]);

/** Specs that do not name a registry version: git, hosted-git shorthands, paths, URLs, protocols. */
const PROTOCOL = /^(?:git\+|git:|git@|github:|gitlab:|bitbucket:|gist:|file:|link:|portal:|workspace:|patch:|exec:|jsr:|https?:)/i;
const LOCAL_PATH = /^(?:\.{1,2}(?:\/|$)|\/|~\/)/;
const TARBALL = /\.(?:tgz|tar\.gz|tar)$/i;

export interface Declared {
  name: string;
  version?: string;
  source?: string;
}

/** Whether a resolved URL points at the public npm registry. */
export function isDefaultRegistryUrl(url: string): boolean {
  const m = /^https?:\/\/(?:[^/@?#]*@)?([^/:?#]+)(?::\d+)?(?:[/?#]|$)/i.exec(url);
  return m?.[1] !== undefined && DEFAULT_REGISTRY_HOSTS.has(m[1].toLowerCase());
}

/** `name@rest` split at the `@` that ends the name (a scope's leading `@` is part of the name). */
export function splitIdent(ident: string): { name: string; rest: string } | undefined {
  const at = ident.indexOf("@", 1);
  if (at <= 0) return undefined;
  return { name: ident.slice(0, at), rest: ident.slice(at + 1) };
}

/** A spec that names a registry range, version or dist-tag (anything else says where to fetch from). */
export function isRegistrySpec(spec: string): boolean {
  return !(PROTOCOL.test(spec) || LOCAL_PATH.test(spec) || TARBALL.test(spec) || spec.includes("/"));
}

/**
 * A dependency as package.json (or a yarn v1 descriptor) declares it. An `npm:` alias reports the
 * package it installs, so an AI SDK is recognised under any local name, and keeps the alias as
 * its source.
 */
export function declaredSpec(key: string, rawSpec: string): Declared {
  const spec = rawSpec.trim();
  if (spec.startsWith("npm:")) {
    const target = spec.slice(4).trim();
    // yarn berry writes plain registry ranges with the protocol too: `"openai": "npm:^4.0.0"`.
    if (!target.includes("@", 1) && semver.validRange(target) !== null) return { name: key, version: target };
    const split = splitIdent(target);
    const name = split?.name ?? target;
    const range = split?.rest.trim();
    return {
      name: name === "" ? key : name,
      ...(range && isRegistrySpec(range) ? { version: range } : {}),
      source: redactUrl(spec),
    };
  }
  // pnpm/bun/yarn catalogs: a registry version kept in another file.
  if (/^catalog:/.test(spec)) return { name: key };
  if (!isRegistrySpec(spec)) return { name: key, source: redactUrl(spec) };
  return spec === "" ? { name: key } : { name: key, version: spec };
}

/** peerDependencies are what the host project must install alongside, so they count as prod. */
export const DEPENDENCY_SECTIONS: ReadonlyArray<readonly [string, DependencyScope]> = [
  ["dependencies", "prod"],
  ["devDependencies", "dev"],
  ["optionalDependencies", "optional"],
  ["peerDependencies", "prod"],
];
