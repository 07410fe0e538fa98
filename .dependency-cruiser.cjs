/**
 * Import rules for src/, checked by test/architecture/imports.test.ts (and `npx depcruise src`).
 * Type-only imports count: a cycle of types is still a cycle in the design.
 */
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules in src/ form no import cycle.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-sibling-manager",
      severity: "error",
      comment:
        "A manifest manager imports no other manager: helpers that several managers use live in src/detect/manifests/shared/.",
      from: { path: "^src/detect/manifests/([^/]+)/" },
      to: { path: "^src/detect/manifests/[^/]+/", pathNot: ["^src/detect/manifests/$1/", "^src/detect/manifests/shared/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
