import type { ManifestManager } from "../types.js";
import { extractNuget } from "./extract.js";

export const manager: ManifestManager = {
  id: "nuget",
  ecosystem: "nuget",
  displayName: "NuGet (MSBuild projects, packages.config)",
  kind: "manifest",
  filePatterns: [
    "**/*.csproj",
    "**/*.fsproj",
    "**/*.vbproj",
    "**/Directory.Packages.props",
    "**/Directory.Build.props",
    "**/packages.config",
  ],
  extract: (text, path) => extractNuget(text, path),
};
