import { and, eq, inArray } from 'drizzle-orm';
import { users, webauthnCredentials } from '../../../../db/schema.ts';
import type { ImportStep } from '../step.ts';

interface CredentialSource {
  id: string;
  external_id: string;
  public_key: string;
  nickname: string;
  sign_count: string;
  user_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** webauthn-ruby's encoding (base64url), padded or not, as @simplewebauthn reads it: unpadded base64url. */
function base64url(text: string): string | null {
  const bare = text.replace(/=+$/, '');
  return /^[A-Za-z0-9_-]+$/.test(bare) ? bare : null;
}

/** A COSE key is a CBOR map (major type 5): what webauthn-ruby stored as the credential's public key. */
const isCoseKey = (encoded: string) => {
  const first = Buffer.from(encoded, 'base64url')[0];
  return first !== undefined && first >> 5 === 5;
};

/**
 * Mastodon's security keys (webauthn-ruby: the credential id and the COSE public key in base64url,
 * the user handle in users.webauthn_id), which @simplewebauthn verifies as they are: the relying
 * party is the same web domain. A key counts only with TOTP on, in Mastodon as here, so the keys of
 * members whose TOTP secret was not carried are left out.
 */
export const securityKeysStep: ImportStep<CredentialSource> = {
  name: 'security keys',
  table: 'webauthn_credentials',
  select: `SELECT w.*, w.id::text AS id, w.user_id::text AS user_id, w.sign_count::text AS sign_count
    FROM webauthn_credentials w WHERE w.id > $1::bigint ORDER BY w.id LIMIT $2`,
  async write(tx, rows, _ctx, skip) {
    const owners = rows.map((row) => row.user_id).filter((id): id is string => id !== null);
    const withTotp = new Set(
      owners.length === 0
        ? []
        : (
            await tx
              .select({ id: users.id })
              .from(users)
              .where(and(inArray(users.id, owners), eq(users.otpRequiredForLogin, true)))
          ).map((user) => user.id),
    );
    const values = [];
    for (const row of rows) {
      if (!row.user_id || !withTotp.has(row.user_id)) {
        skip('security keys (WebAuthn) of members whose TOTP was not carried: they register them again after setting it up');
        continue;
      }
      const externalId = base64url(row.external_id);
      const publicKey = base64url(row.public_key);
      if (!externalId || !publicKey || !isCoseKey(publicKey)) {
        skip('security keys (WebAuthn) whose credential id or public key is not webauthn-ruby’s base64url COSE key: their owners register them again');
        continue;
      }
      values.push({
        id: row.id,
        externalId,
        publicKey,
        nickname: row.nickname,
        signCount: Number(row.sign_count),
        userId: row.user_id,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
    }
    if (values.length > 0) await tx.insert(webauthnCredentials).values(values).onConflictDoNothing();
  },
};
