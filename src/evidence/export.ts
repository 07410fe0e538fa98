/**
 * The audit pack written by `aims export` (pure): the evidence table as CSV and JSON, the
 * statement of applicability, and the AI inventory as a CycloneDX 1.6 BOM, one module each.
 */
export * from "./export-rows.js";
export * from "./export-soa.js";
export * from "./export-cyclonedx.js";
