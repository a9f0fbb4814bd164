/**
 * A proto PairSelector as the JSON the fleet stores and `xtrace schedule|alert ... --json`
 * prints (controller/src/fleet/pair-selector.ts): `{pairs: [...]}`, "all-cross-host",
 * `{sample: K}` or `{labels: {...}}`.
 */
import type { Pair, PairSelectorMessage } from '@xtrace/proto';

type PairSelectorJson = { pairs: Pair[] } | 'all-cross-host' | { sample: number } | { labels: Record<string, string> };

export function pairSelectorJson(m: PairSelectorMessage): PairSelectorJson {
  switch (m.kind) {
    case 'pairs':
      return { pairs: m.pairs.map((p) => ({ src: p.src, dst: p.dst })) };
    case 'sample':
      return { sample: m.sample };
    case 'labels':
      return { labels: { ...m.labels } };
    default:
      return 'all-cross-host';
  }
}
