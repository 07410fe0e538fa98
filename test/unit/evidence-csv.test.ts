import { describe, expect, it } from "@jest/globals";
import { csvField } from "../../src/evidence/export.js";

describe("csvField", () => {
  it.each([
    ["plain text", "Add ranker", "Add ranker"],
    ["a comma", "a,b", '"a,b"'],
    ["a quote", 'say "hi"', '"say ""hi"""'],
    ["a line break", "a\nb", '"a\nb"'],
    ["a formula", "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""],
    ["a plus", "+1 more", "'+1 more"],
    ["a minus", "-cmd", "'-cmd"],
    ["an at sign", "@SUM(A1)", "'@SUM(A1)"],
    ["a leading tab", "\tx", "'\tx"],
  ])("writes %s safely", (_name, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it("leaves numbers and empty cells alone", () => {
    expect(csvField(-3)).toBe("-3");
    expect(csvField(null)).toBe("");
  });
});
