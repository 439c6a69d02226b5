/** The URL of `rel` in an RFC 8288 Link header, e.g. `<https://…?page=2>; rel="next"`. */
export const linkRel = (header: string | null, rel: string): string | null => {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rels = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2] ?? '')?.[1]?.split(/\s+/) ?? [];
    if (rels.includes(rel)) return m[1] ?? null;
  }
  return null;
};
