/**
 * Revoke receipts. Anyone with write access can edit or delete anyone's comment, so a `/aims revoke`
 * comment alone could be removed to bring a withdrawn sign-off back. When the app sees a revoke it
 * posts a receipt of its own holding who withdrew and when; the oversight gate honours receipts
 * found in the app's own, unedited comments, and the app posts a receipt again when one is edited
 * or deleted.
 */
export interface RevokeReceipt {
  login: string;
  /** When the `/aims revoke` comment was posted (GitHub's time). */
  at: string;
  /** The id of that comment. */
  comment: number;
}

const RECEIPT = /<!-- aims:revoke-receipt login=([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})) at=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) comment=(\d+) -->/;

export function revokeReceiptMarker(r: RevokeReceipt): string {
  return `<!-- aims:revoke-receipt login=${r.login} at=${r.at} comment=${r.comment} -->`;
}

export function parseRevokeReceipt(body: string): RevokeReceipt | undefined {
  const m = RECEIPT.exec(body);
  if (!m || Number.isNaN(Date.parse(m[2]!))) return undefined;
  return { login: m[1]!, at: m[2]!, comment: Number(m[3]) };
}

/** The receipt's comment: the marker and one sentence for the people on the pull request. */
export function revokeReceiptText(r: RevokeReceipt): string {
  return [
    revokeReceiptMarker(r),
    `Recorded: @${r.login} withdrew, with \`/aims revoke\` on ${r.at.slice(0, 10)}, every sign-off and override they gave on this pull request before then.`,
    "Editing or deleting that comment does not undo it; a new `/aims sign-off` is needed for a sign-off to count again.",
  ].join("\n");
}

/**
 * Review-edit receipts. GitHub's REST API does not say when a review's text was edited, and anyone
 * with write access can edit it; only the `pull_request_review.edited` webhook tells who did. When
 * someone other than the reviewer edits it, the app records that in a comment of its own, and the
 * review's text no longer counts as the reviewer's rationale.
 */
export interface ReviewEditReceipt {
  review: number;
  reviewer: string;
  editor: string;
}

const REVIEW_EDIT = /<!-- aims:review-edited review=(\d+) reviewer=([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})) editor=([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?) -->/;

export function reviewEditMarker(r: ReviewEditReceipt): string {
  return `<!-- aims:review-edited review=${r.review} reviewer=${r.reviewer} editor=${r.editor} -->`;
}

export function parseReviewEditReceipt(body: string): ReviewEditReceipt | undefined {
  const m = REVIEW_EDIT.exec(body);
  return m ? { review: Number(m[1]), reviewer: m[2]!, editor: m[3]! } : undefined;
}

export function reviewEditText(r: ReviewEditReceipt): string {
  return [
    reviewEditMarker(r),
    `Recorded: @${r.editor} edited the text of @${r.reviewer}'s review, so it no longer counts as @${r.reviewer}'s rationale.`,
    `@${r.reviewer} can submit a new review, or comment \`/aims sign-off <rationale>\`.`,
  ].join("\n");
}
