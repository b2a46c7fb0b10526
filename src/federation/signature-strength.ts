/**
 * Mastodon's SignedRequest#verify_signature_strength!, for the inboxes: what a signature must cover
 * before it is worth checking. Fedify checks most of it itself (draft-cavage: `(request-target)`,
 * `date` and, with a body, `digest`; RFC 9421: `created`), but takes an RFC 9421 signature that
 * covers neither the method, the target URI nor the body's Content-Digest, which would let anyone
 * who saw such a request send another body, or the same one elsewhere, under its signature.
 */

type HeaderValue = string | string[] | undefined;

function header(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Splits a structured-field list or dictionary at its top-level commas (not inside quotes or parentheses). */
function splitTopLevel(value: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === separator && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

interface Rfc9421Input {
  label: string;
  components: string[];
  params: Map<string, string>;
}

/** `sig1=("@method" "@target-uri" …);created=…;keyid="…"` entries of a Signature-Input header. */
function parseSignatureInput(value: string): Rfc9421Input[] | undefined {
  const inputs: Rfc9421Input[] = [];
  for (const member of splitTopLevel(value, ',')) {
    const match = /^([a-z*][a-z0-9_.*-]*)=\(([^)]*)\)(.*)$/s.exec(member);
    if (!match) return undefined;
    const components = [...match[2]!.matchAll(/"([^"]*)"/g)].map((item) => item[1]!.toLowerCase());
    const params = new Map<string, string>();
    for (const param of splitTopLevel(match[3]!, ';')) {
      const [key, ...rest] = param.split('=');
      params.set(
        key!.trim().toLowerCase(),
        rest
          .join('=')
          .trim()
          .replace(/^"(.*)"$/s, '$1'),
      );
    }
    inputs.push({ label: match[1]!, components, params });
  }
  return inputs;
}

/** The draft-cavage `headers` parameter of a Signature header (its default: `date`). */
function draftSignedHeaders(signature: string): string[] {
  const match = /(?:^|,)\s*headers\s*=\s*"([^"]*)"/i.exec(signature);
  return (match?.[1] ?? 'date').toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Why the signature of an inbound request is too weak to be accepted, or undefined when it is
 * strong enough (or absent: an unsigned request is Fedify's to refuse). Every RFC 9421 signature
 * must have `created` and cover `@method`, `@target-uri` and, on a POST, `content-digest`; a
 * draft-cavage one must cover `date` or `(created)`, `(request-target)` or `digest`, and on a POST `digest`.
 */
export function weakSignatureReason(method: string, headers: Record<string, HeaderValue>): string | undefined {
  const post = method.toUpperCase() === 'POST';
  const signatureInput = header(headers, 'signature-input');
  if (signatureInput !== undefined) {
    const inputs = parseSignatureInput(signatureInput);
    if (!inputs || inputs.length === 0) return 'the Signature-Input header cannot be parsed';
    for (const input of inputs) {
      if (!input.params.get('created')) return `signature ${input.label} has no created parameter`;
      if (!input.components.includes('@method') || !input.components.includes('@target-uri')) return `signature ${input.label} does not cover @method and @target-uri`;
      if (post && !input.components.includes('content-digest')) return `signature ${input.label} does not cover the Content-Digest of the body`;
    }
    return undefined;
  }
  const signature = header(headers, 'signature');
  if (signature === undefined) return undefined;
  const signed = draftSignedHeaders(signature);
  if (!signed.includes('date') && !signed.includes('(created)')) return 'the signature covers neither date nor (created)';
  if (!signed.includes('(request-target)') && !signed.includes('digest')) return 'the signature covers neither (request-target) nor digest';
  if (post && !signed.includes('digest')) return 'the signature does not cover the digest of the body';
  return undefined;
}
