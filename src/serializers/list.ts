import type { ListRow } from '../db/schema.ts';
export type { ListRow };

export function renderList(list: ListRow) {
  return { id: list.id, title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive };
}
