import type { Policy } from "../config/policy.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";
import { MAX_LINKS } from "./assessment-links.js";
import { judge } from "./assessment-judge.js";
import { assessorsText, prohibitedFinding, type Counted, type EvalContext, type Finding } from "./assessment-wording.js";
import type { AssessmentRecord, RecordParse } from "./assessment-record.js";
import { affectedSystems, noAiChanges, problemReasons, reportedOnly, systemLabel, uniqueSteps } from "./common.js";
import type { AssessmentFacts, PullRequestFacts } from "./facts.js";
import { higherRisk, recordsOf, systemRisks } from "./risk.js";
import { CHECK_NAMES, type Conclusion, type GateId, type GateResult, type NextStep, type Reason } from "./types.js";

/** Pick the assessment to point a developer at for a system: an approved one first. */
function suggestionFor(system: string, af: AssessmentFacts | undefined): string | undefined {
  const candidates = (af?.directory ?? [])
    .filter((a) => a.base.read.status === "read")
    .map((a) => ({ path: a.path, parse: (a.base.read as { parse: RecordParse }).parse }))
    .filter((c) => (c.parse.kind === "valid" ? c.parse.record.systems : c.parse.kind === "invalid" ? c.parse.summary.systems : []).includes(system));
  const rank = (p: RecordParse) => (p.kind === "valid" ? (p.record.status === "approved" ? 0 : 1) : 2);
  candidates.sort((a, b) => rank(a.parse) - rank(b.parse) || b.path.localeCompare(a.path));
  return candidates[0]?.path;
}

export function assessmentGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "impact-assessment";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);

  const systems = affectedSystems(facts.changes);
  const af: AssessmentFacts = facts.assessment ?? {
    now: new Date(0).toISOString(),
    links: [],
    linked: [],
    directory: [],
    directoryStatus: { status: "skipped" },
    headApprovers: [],
    authority: {},
  };
  const ec: EvalContext = { policy, facts, af, author: facts.author };
  const findings: Finding[] = [];
  const notes: Reason[] = [];

  if (facts.problems.length > 0) {
    findings.push({
      severity: "failure",
      title: "Files that could hide AI changes could not be read",
      reasons: problemReasons(facts),
      steps: [
        "Fix the files that could not be read (a broken manifest or lockfile could hide an AI dependency), or add their paths to `ignore:` in .github/aims.yml on the base branch.",
      ],
    });
  }

  for (const system of systems) {
    if (policy.systems.find((s) => s.id === system)?.risk === "prohibited") {
      findings.push(prohibitedFinding(`The registry (.github/aims.yml)`, [system]));
    }
  }

  for (const link of af.links) {
    if (link.kind !== "invalid") continue;
    findings.push({
      severity: "action",
      title: "Impact-Assessment line not understood",
      reasons: [{ status: "unmet", message: `Pull request description, line ${link.line}: \`Impact-Assessment: ${link.raw}\` ${link.message}.` }],
      steps: ["Write the reference as a path (`governance/impact-assessments/AIA-2026-014.md`), `#123`, `owner/repo#123` or `https://github.com/owner/repo/issues/123`."],
    });
  }
  const valid = af.links.filter((l) => l.kind !== "invalid");
  if (valid.length > MAX_LINKS) {
    findings.push({
      severity: "action",
      title: `Too many Impact-Assessment links (${valid.length})`,
      reasons: [{ status: "unmet", message: `Only the first ${MAX_LINKS} assessment references are read; ${valid.length - MAX_LINKS} more were not checked.` }],
      steps: [`Link at most ${MAX_LINKS} assessments; an assessment may list several systems.`],
    });
  }

  const covered = new Map<string, Counted>();
  const linkedJudged = af.linked.map((a) => judge(a, ec));
  for (const j of linkedJudged) {
    findings.push(...j.findings);
    notes.push(...j.notes);
    if (j.counted) for (const s of j.counted.record.systems) if (!covered.has(s)) covered.set(s, j.counted);
  }

  const auto = policy.assessment.link === "auto";
  const autoFound: Array<{ system: string; path: string; counted: Counted }> = [];
  const missing: string[] = [];
  for (const system of systems) {
    if (system === UNREGISTERED_SYSTEM || covered.has(system)) continue;
    if (auto) {
      const linkedPaths = new Set(af.linked.flatMap((a) => (a.kind === "file" ? [a.path] : [])));
      const candidates = af.directory.filter((a) => !linkedPaths.has(a.path) && recordsOf(a).some((r) => r.systems.includes(system)));
      const judged = candidates.map((a) => ({ a, j: judge(a, ec) }));
      const ok = judged.find(({ j }) => j.counted && j.findings.length === 0);
      if (ok) {
        for (const s of ok.j.counted!.record.systems) if (!covered.has(s)) covered.set(s, ok.j.counted!);
        autoFound.push({ system, path: ok.a.path, counted: ok.j.counted! });
        notes.push(...ok.j.notes);
        continue;
      }
      // None stands: explain why the registered ones do not count (a few at most).
      for (const { j } of judged.slice(0, 3)) {
        for (const f of j.findings) {
          findings.push({ ...f, reasons: f.reasons.map((r) => ({ ...r, message: `${r.message} (registered for ${system}; \`link: auto\`)` })) });
        }
      }
    }
    missing.push(system);
  }

  // Systems no assessment covers: say so, and give the exact line to add. A system a linked
  // assessment claims but that does not stand is already explained by that assessment's findings.
  const uncovered = systems.filter((s) => !covered.has(s) && (s === UNREGISTERED_SYSTEM || missing.includes(s)));
  const claimedByFailing = new Set(linkedJudged.filter((j) => j.findings.length > 0).flatMap((j) => j.systems));
  const unexplained = uncovered.filter((s) => !claimedByFailing.has(s));
  if (unexplained.length > 0) {
    const countedLinked = linkedJudged.filter((j) => j.counted);
    const reasons: Reason[] = [];
    const steps: NextStep[] = [];
    for (const system of unexplained) {
      if (system === UNREGISTERED_SYSTEM) {
        reasons.push({
          status: "unmet",
          message: "Changes outside every registered system (unregistered): an assessment can cover them only once the system is registered under `systems:`.",
        });
        steps.push(
          "Register the AI system these files belong to under `systems:` in .github/aims.yml (id, name, paths, risk) so its assessment and risk tier apply.",
        );
        continue;
      }
      const label = systemLabel(system, policy);
      const linkedLists = linkedJudged.filter((j) => j.id).map((j) => `${j.id} lists ${j.systems.join(", ") || "no systems"}`);
      reasons.push({
        status: "unmet",
        message:
          af.linked.length === 0
            ? `No impact assessment is linked for ${label}${auto ? " and none approved and current is registered for it in " + policy.assessment.directory : ""}.`
            : `No ${auto ? "" : "linked "}assessment covers ${label}${linkedLists.length > 0 ? ` (${linkedLists.join("; ")})` : ""}.`,
      });
      const existing = suggestionFor(system, af);
      const path = existing ?? `${policy.assessment.directory}${system}.md`;
      steps.push(
        existing
          ? `Add this line to the pull request description: \`Impact-Assessment: ${existing}\` (the existing assessment of ${system}; it must be approved and list ${system} under \`systems\`).`
          : `Write the assessment of ${system} at \`${path}\` (\`aims assess init --system ${system}\` writes it from the template) or open an issue with the “AI impact assessment” form, have ${assessorsText(policy)} approve it, and add the line \`Impact-Assessment: ${path}\` (or \`Impact-Assessment: #<issue>\`) to the pull request description.`,
      );
    }
    const named = unexplained.join(", ");
    findings.push({
      severity: "action",
      title:
        countedLinked.length > 0 && !unexplained.includes(UNREGISTERED_SYSTEM)
          ? `Impact assessment ${countedLinked.map((j) => j.id).join(", ")} does not cover ${named}`
          : `Impact assessment required for ${named}`,
      reasons,
      steps,
    });
  }

  if (af.directoryStatus.status === "error") {
    const message = `The assessment folder ${policy.assessment.directory} on \`${facts.baseRef}\` could not be listed: ${af.directoryStatus.message}`;
    // With link: auto the folder decides the gate; otherwise it only names existing assessments.
    if (auto) {
      findings.push({
        severity: "failure",
        title: `Could not list ${policy.assessment.directory}`,
        reasons: [{ status: "error", message }],
        steps: [{ code: "evaluate-again", reread: "the folder is read again" }],
      });
    } else notes.push({ status: "info", message: `${message}; the next step may not name an existing assessment.` });
  } else if (af.directoryStatus.status === "listed" && af.directoryStatus.read < af.directoryStatus.files) {
    notes.push({
      status: "info",
      message: `${policy.assessment.directory} holds ${af.directoryStatus.files} files; only the first ${af.directoryStatus.read} were read.`,
    });
  }

  // Risk: the higher of the registry and the assessments wins and sets the oversight tier.
  for (const r of systemRisks(policy, facts)) {
    for (const a of r.assessments) {
      if (r.registry && a.risk !== r.registry && a.risk !== "prohibited") {
        const higher = higherRisk(a.risk, r.registry);
        notes.push({
          status: "info",
          message: `${a.id} rates ${r.system} ${a.risk} risk, the registry ${r.registry}: ${higher} applies and sets the oversight tier${higher === r.registry ? "; update the assessment or the registry so they agree" : ""}.`,
        });
      }
    }
  }

  for (const f of autoFound) {
    notes.push({
      status: "info",
      message: `Found without a link (\`link: auto\`): ${f.path} is registered for ${f.system}. To link it explicitly: \`Impact-Assessment: ${f.path}\`.`,
    });
  }

  const failures = findings.filter((f) => f.severity === "failure");
  const conclusion: Conclusion = failures.length > 0 ? "failure" : findings.length > 0 ? "action_required" : "success";
  const counted = [...new Map([...covered.values()].map((c) => [c.record.id, c])).values()];

  let title: string;
  let controls: string[] = [];
  if (conclusion === "success") {
    const ids = counted.map((c) => c.record.id);
    title = `Impact assessment${ids.length > 1 ? "s" : ""} ${ids.join(", ")} approved for ${systems.join(", ")}`;
    controls = controlsFor(counted.map((c) => c.record));
  } else {
    title = (failures[0] ?? findings[0])!.title;
  }

  const reasons: Reason[] = [...findings.flatMap((f) => f.reasons), ...dedupeReasons(notes), ...reportedOnly(facts)];
  const nextSteps = uniqueSteps(findings.flatMap((f) => f.steps));
  const approvals = counted.map((c) => ({ id: c.record.id, accepted: c.approval, rejected: c.rejected }));
  return { gate, name: CHECK_NAMES[gate], conclusion, title, reasons, nextSteps, controls, ...(conclusion === "success" ? { approvals } : {}) };
}

function dedupeReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    if (seen.has(r.message)) return false;
    seen.add(r.message);
    return true;
  });
}

/** Annex A controls a passing assessment evidences (A.5.4/A.5.5 only when those parts were assessed). */
function controlsFor(records: AssessmentRecord[]): string[] {
  const controls = new Set(["A.5.2", "A.5.3"]);
  if (records.some((r) => r.affectedGroups.length > 0 && r.impacts.length + r.harms.length > 0)) controls.add("A.5.4");
  if (records.some((r) => r.societalImpacts)) controls.add("A.5.5");
  if (records.some((r) => r.intendedPurpose !== "")) controls.add("A.9.4");
  return [...controls].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}
