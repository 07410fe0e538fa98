/**
 * XML helpers shared by the Maven and NuGet managers (fast-xml-parser).
 * The validator runs first because the parser itself accepts broken XML silently;
 * the validator reports the reason with a line and column.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ManifestParseError } from "../types.js";

/** An element: child elements are always arrays, attributes are `@_name` strings, text is a string. */
export type XmlNode = { [key: string]: unknown };

export interface XmlDocument {
  rootName: string;
  root: XmlNode;
  /** 1-based line where an element starts, when the parser recorded it. */
  lineOf(node: XmlNode): number | undefined;
}

const META = XMLParser.getMetaDataSymbol() as unknown as string;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  // Versions such as `1.10` must stay strings.
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  captureMetaData: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

/** Returns undefined for an empty (whitespace-only) file. */
export function parseXml(text: string): XmlDocument | undefined {
  if (text.trim() === "") return undefined;
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new ManifestParseError(`invalid XML: ${msg}`, line, col);
  }
  const parsed = parser.parse(text) as XmlNode;
  const rootName = Object.keys(parsed).find((k) => !k.startsWith("?") && !k.startsWith("#"));
  const root = rootName === undefined ? undefined : first(children(parsed, rootName));
  if (rootName === undefined || root === undefined) {
    throw new ManifestParseError("invalid XML: no root element", 1);
  }
  return {
    rootName,
    root,
    lineOf(node) {
      const meta = node[META] as { startIndex?: number } | undefined;
      if (meta?.startIndex === undefined) return undefined;
      return lineAtOffset(text, meta.startIndex);
    },
  };
}

export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  // Leaf elements come back as strings; wrap them so callers always get nodes.
  return value.map((v) => (typeof v === "string" ? { "#text": v } : (v as XmlNode)));
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return first(children(node, name));
}

/** Trimmed text of the first `name` child, or undefined when absent. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const c = child(node, name);
  return c === undefined ? undefined : textOf(c);
}

export function textOf(node: XmlNode): string {
  const text = node["#text"];
  return typeof text === "string" ? text.trim() : "";
}

function first<T>(items: T[]): T | undefined {
  return items[0];
}

function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
