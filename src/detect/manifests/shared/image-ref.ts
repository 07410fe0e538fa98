/** Container image references (`registry/path:tag@digest`), shared by Dockerfiles and workflow `container:`/`docker://` steps. */

/** Split `registry/path:tag@digest`; the tag colon is the last one after the last slash. */
export function splitImageRef(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(":");
  const hasTag = colon > rest.lastIndexOf("/");
  return {
    name: hasTag ? rest.slice(0, colon) : rest,
    ...(hasTag ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The version of an image reference: tag, tag@digest, @digest or nothing. */
export function imageVersion(tag: string | undefined, digest: string | undefined): string | undefined {
  if (digest !== undefined) return `${tag ?? ""}@${digest}`;
  return tag;
}
