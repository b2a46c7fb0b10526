import type { ComponentChildren } from 'preact';
import { Link } from '../router.tsx';
import { DisplayName } from '../sanitize.tsx';
import type { Account } from '../types.ts';

/** One account in a list (search results, requests, blocks, a list's members), with its actions. */
export function AccountRow({ account, children }: { account: Account; children?: ComponentChildren }) {
  return (
    <li>
      <img class="avatar" src={account.avatar_static} alt="" width={46} height={46} />
      <Link href={`/web/accounts/${account.id}`}>
        <DisplayName name={account.display_name || account.username} emojis={account.emojis} /> <span class="muted">@{account.acct}</span>
      </Link>
      {children && <span class="row-actions">{children}</span>}
    </li>
  );
}
