import type { lists } from '../db/schema.ts';

export type ListRow = typeof lists.$inferSelect;

export function renderList(list: ListRow) {
  return { id: list.id, title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive };
}
