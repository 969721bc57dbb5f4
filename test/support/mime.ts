// A small MIME reader for the mails the app sends (nodemailer output): headers, multipart
// bodies, quoted-printable and base64 parts, RFC 2047 encoded words. Enough for tests; not a
// general parser (mailparser is not installable here).

export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

function splitHeaderBlock(raw: string): MimePart {
  const normalised = raw.replace(/\r\n/g, '\n');
  const end = normalised.indexOf('\n\n');
  const head = end === -1 ? normalised : normalised.slice(0, end);
  const body = end === -1 ? '' : normalised.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

export function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const joined = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header value. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function decodeBody(part: MimePart): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

/** The leaf parts of a message, keyed by their content type (first of each type wins). */
export function leafParts(raw: string): Record<string, string> {
  const result: Record<string, string> = {};
  const visit = (part: MimePart) => {
    const type = part.headers['content-type'] ?? 'text/plain';
    const mime = type.split(';')[0].trim().toLowerCase();
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (mime.startsWith('multipart/') && boundary) {
      const sections = part.body.split(`--${boundary}`);
      for (const section of sections.slice(1)) {
        if (section.startsWith('--')) break;
        visit(splitHeaderBlock(section.replace(/^\n/, '')));
      }
      return;
    }
    result[mime] ??= decodeBody(part);
  };
  visit(splitHeaderBlock(raw));
  return result;
}

export function parseHeaders(raw: string): Record<string, string> {
  return splitHeaderBlock(raw).headers;
}
