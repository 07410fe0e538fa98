import { describe, expect, it } from "@jest/globals";
import { hasCommand, isSubstantive, parseCommand, usageText } from "../../src/commands/parse.js";

describe("parseCommand", () => {
  it("returns undefined for ordinary comments and commands that are only mentioned", () => {
    expect(parseCommand("Looks good to me")).toBeUndefined();
    expect(parseCommand("Please run /aims sign-off when ready")).toBeUndefined();
    expect(parseCommand("> /aims sign-off quoted from someone else")).toBeUndefined();
    expect(parseCommand("```\n/aims override in a code block is an example\n```")).toBeUndefined();
    expect(parseCommand("<!--\n/aims sign-off hidden\n-->")).toBeUndefined();
    expect(parseCommand("/aimsx sign-off")).toBeUndefined();
  });

  it("parses a sign-off with its rationale, which may continue on the next lines", () => {
    expect(parseCommand("/aims sign-off Reviewed the eval results; drift is within bounds.")).toEqual({
      kind: "sign-off",
      rationale: "Reviewed the eval results; drift is within bounds.",
    });
    expect(parseCommand("Thanks!\n\n/AIMS Sign-Off checked the prompt\nand the guardrails")).toEqual({ kind: "sign-off", rationale: "checked the prompt and the guardrails" });
    expect(parseCommand("/aims signoff")).toEqual({ kind: "sign-off", rationale: "" });
    expect(parseCommand("/aims sign-off\r\n")).toEqual({ kind: "sign-off", rationale: "" });
  });

  it("parses revoke", () => {
    expect(parseCommand("/aims revoke")).toEqual({ kind: "revoke" });
    expect(parseCommand("  /aims revoke I found a problem")).toEqual({ kind: "revoke" });
  });

  it("parses an override only with a substantive reason", () => {
    expect(parseCommand("/aims override Production incident INC-42: the fraud model must be rolled back now.")).toEqual({
      kind: "override",
      reason: "Production incident INC-42: the fraud model must be rolled back now.",
    });
    expect(parseCommand("/aims override")).toMatchObject({ kind: "malformed", name: "override", message: "an override needs a reason", usage: "/aims override <reason>" });
    expect(parseCommand("/aims override urgent!!!!!!!!!!!!!!!!!!!!")).toMatchObject({ kind: "malformed", name: "override" });
    expect(parseCommand("/aims override ok ok ok")).toMatchObject({ kind: "malformed", name: "override" });
  });

  it("parses an approval of a direct push only with a substantive reason", () => {
    expect(parseCommand("/aims approve Incident INC-9: the weights were restored from the last release.")).toEqual({
      kind: "approve",
      reason: "Incident INC-9: the weights were restored from the last release.",
    });
    expect(parseCommand("/aims approve")).toMatchObject({ kind: "malformed", name: "approve", message: "an approval needs a reason", usage: "/aims approve <reason>" });
    expect(parseCommand("/aims approve ok")).toMatchObject({ kind: "malformed", name: "approve" });
  });

  it("reports unknown commands and a bare /aims with the usage of every command", () => {
    const unknown = parseCommand("/aims bless please");
    expect(unknown).toMatchObject({ kind: "unknown", name: "bless" });
    expect(unknown && "usage" in unknown ? unknown.usage : "").toContain("/aims sign-off <rationale>");
    expect(parseCommand("/aims")).toMatchObject({ kind: "malformed", name: "", message: "`/aims` needs a command" });
  });

  it("takes one command per comment: two command lines are malformed and neither takes effect", () => {
    expect(parseCommand("/aims sign-off ok\n/aims revoke")).toEqual({
      kind: "malformed",
      name: "sign-off",
      message: "one command per comment: this comment holds `/aims sign-off` and `/aims revoke`, so none of them was applied; post each command in its own comment",
      usage: "/aims sign-off <rationale>",
    });
    expect(parseCommand("/aims revoke\n/aims sign-off again")).toMatchObject({ kind: "malformed", name: "revoke" });
    expect(parseCommand("/aims query risk:high\n\n  /AIMS signoff\n/aims approve")).toMatchObject({
      kind: "malformed",
      name: "query",
      message: expect.stringContaining("holds `/aims query`, `/aims sign-off` and `/aims approve`"),
    });
    // A bare or unknown first command: the reply lists every command.
    expect(parseCommand("/aims\n/aims revoke")).toMatchObject({ kind: "malformed", name: "", usage: usageText() });
    // Lines that only mention, quote or show a command do not count as a second one.
    expect(parseCommand("/aims sign-off checked it\n> /aims revoke\n```\n/aims override example\n```\nsee /aims revoke")).toEqual({
      kind: "sign-off",
      rationale: "checked it > /aims revoke ``` /aims override example ``` see /aims revoke",
    });
  });

  it("hasCommand is true for every kind, false for none", () => {
    expect(hasCommand("/aims nope")).toBe(true);
    expect(hasCommand("/aims revoke")).toBe(true);
    expect(hasCommand("nothing here")).toBe(false);
    expect(hasCommand(null)).toBe(false);
  });

  it("lists every command in the usage text", () => {
    const text = usageText();
    for (const c of ["/aims sign-off <rationale>", "/aims revoke", "/aims override <reason>"]) expect(text).toContain(c);
  });
});

describe("isSubstantive", () => {
  it.each([
    ["Rolling back the model after incident INC-42.", true, "sentence"],
    ["short one", false, "too short"],
    ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, "one word"],
    ["!!! ??? ... --- *** ### @@@", false, "no letters"],
  ])("%s → %s (%s)", (text, expected, _why) => {
    expect(isSubstantive(text)).toBe(expected);
  });
});
