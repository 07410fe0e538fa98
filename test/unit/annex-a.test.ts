import { describe, expect, it } from "@jest/globals";
import { compareControlIds, loadCatalogue, parseCatalogue } from "../../src/controls/catalogue.js";

/** The published Annex A numbering of ISO/IEC 42001:2023 (ids only). */
const PUBLISHED = [
  "A.2.2", "A.2.3", "A.2.4",
  "A.3.2", "A.3.3",
  "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
  "A.5.2", "A.5.3", "A.5.4", "A.5.5",
  "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8",
  "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
  "A.8.2", "A.8.3", "A.8.4", "A.8.5",
  "A.9.2", "A.9.3", "A.9.4",
  "A.10.2", "A.10.3", "A.10.4",
];

describe("Annex A catalogue", () => {
  const catalogue = loadCatalogue();

  it("holds exactly the 38 controls with the published numbering, in order", () => {
    expect(PUBLISHED).toHaveLength(38);
    expect(catalogue.controls.map((c) => c.id)).toEqual(PUBLISHED);
    expect([...PUBLISHED].sort(compareControlIds)).toEqual(PUBLISHED);
  });

  it("has nine objectives A.2 to A.10 with their control counts", () => {
    const counts = Object.fromEntries(catalogue.objectives.map((o) => [o.id, catalogue.controls.filter((c) => c.objective === o.id).length]));
    expect(counts).toEqual({ "A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3 });
  });

  it("says why pull requests cannot evidence A.4.6, A.8.3, A.8.4 and A.9.3", () => {
    for (const id of ["A.4.6", "A.8.3", "A.8.4", "A.9.3"]) {
      const c = catalogue.controls.find((x) => x.id === id)!;
      expect(c.prEvidence).toBe("none");
      expect(c.evidencedBy).toEqual([]);
      expect(c.reason!.length).toBeGreaterThan(20);
    }
  });

  it("titles the key controls as published and describes each in a sentence", () => {
    const title = (id: string) => catalogue.controls.find((c) => c.id === id)?.title;
    expect(title("A.6.2.5")).toBe("AI system deployment");
    expect(title("A.7.5")).toBe("Data provenance");
    expect(title("A.10.3")).toBe("Suppliers");
    for (const c of catalogue.controls) expect(c.description).toMatch(/^[A-Z].{10,}\.$/);
  });

  it("includes clauses 6.1.4 and 8.4", () => {
    expect(catalogue.clauses.map((c) => c.id)).toEqual(["6.1.4", "8.4"]);
  });

  it("rejects a catalogue with a duplicate, a missing reason or an unknown fact", () => {
    const base = `version: "1"\nobjectives: [{id: A.2, title: Policies, description: "Direction for AI."}]\nclauses: []\ncontrols:\n`;
    const ok = `  - {id: A.2.2, title: AI policy, objective: A.2, description: "Keep a written policy.", pr_evidence: partial, evidenced_by: [sign-off], basis: "Sign-offs by the policy owner show it."}\n`;
    expect(parseCatalogue(base + ok).controls).toHaveLength(1);
    expect(() => parseCatalogue(base + ok + ok)).toThrow(/duplicate control A.2.2/);
    expect(() => parseCatalogue(base + `  - {id: A.2.3, title: X, objective: A.2, description: "Some description.", pr_evidence: none}\n`)).toThrow(/reason/);
    expect(() => parseCatalogue(base + `  - {id: A.2.3, title: X, objective: A.2, description: "Some description.", pr_evidence: strong, evidenced_by: [vibes]}\n`)).toThrow(/evidenced_by/);
    expect(() => parseCatalogue(base + `  - {id: A.3.2, title: X, objective: A.2, description: "Some description.", pr_evidence: strong, evidenced_by: [sign-off], basis: "Sign-offs by the policy owner show it."}\n`)).toThrow(/objective/);
  });
});
