/**
 * proto PairSelector <-> the fleet layer's PairSelector (fleet/pair-selector.ts): requests
 * carry the command-line text form, responses every form.
 */
import { pairMessage, type PairSelectorMessage } from '@xtrace/proto';
import { formatPairSelector, parsePairSelector, type PairSelector } from './fleet/pair-selector.js';

export function pairSelectorMessage(sel: PairSelector): PairSelectorMessage {
  const m: PairSelectorMessage = { text: formatPairSelector(sel), kind: 'all-cross-host', pairs: [], sample: 0, labels: {} };
  if (sel === 'all-cross-host') return m;
  if ('sample' in sel) return { ...m, kind: 'sample', sample: sel.sample };
  if ('labels' in sel) return { ...m, kind: 'labels', labels: { ...sel.labels } };
  return { ...m, kind: 'pairs', pairs: sel.pairs.map(pairMessage) };
}

/** The selector of a request (its text; UsageError on `field`); `fallback` when none is given. */
export function requestedPairSelector(m: { text?: string } | null | undefined, field: string, fallback?: PairSelector): PairSelector {
  const text = m?.text ?? '';
  if (text.trim() === '' && fallback !== undefined) return fallback;
  return parsePairSelector(text, field);
}
