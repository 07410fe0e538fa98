/** The evidence record's format (pure): schema, chain hashing, labels and issue body, one module each. */
export * from "./record-schema.js";
export * from "./record-chain.js";
export * from "./record-labels.js";
export * from "./record-body.js";
