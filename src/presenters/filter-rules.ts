import { loadFilterRules } from '../services/moderation/filter-admin.ts';
import type { AppContext } from '../context.ts';
import { renderFilter } from '../serializers/filter.ts';
import type { CustomFilterRow } from '../lib/filter-matching.ts';

/** Filters with their keywords and statuses, as the v2 endpoints render them. */
export async function renderFiltersWithRules(ctx: AppContext, filters: CustomFilterRow[]) {
  const rules = await loadFilterRules(
    ctx,
    filters.map((f) => f.id),
  );
  return filters.map((filter) =>
    renderFilter(filter, {
      keywords: rules.keywords.filter((k) => k.customFilterId === filter.id),
      statuses: rules.statuses.filter((s) => s.customFilterId === filter.id),
    }),
  );
}
