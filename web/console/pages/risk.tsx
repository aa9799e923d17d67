/**
 * Risk: the review queue (payments a rule held: approve captures, reject
 * cancels), the rules in their order with an editor and the back-test
 * before switching one on, the blocklist, and the risk figures as charts
 * with their tables. Who may change what is the server's decision
 * (docs/console-api.md): rules by owners, admins and developers
 * (risk_rules.manage), reviews and the blocklist by owners, admins and
 * operators (fraud.manage); the page only leaves out the buttons a role
 * would be refused. `?section=rules` opens a part directly.
 */
import { Radio } from 'antd';
import { useState, type ReactNode } from 'react';
import { useConsole } from '../context.ts';
import { useTexts } from '../i18n.ts';
import { PageHeading } from './analytics/parts.tsx';
import { BlocklistPanel } from './risk/blocklist-panel.tsx';
import { FiguresPanel } from './risk/figures-panel.tsx';
import { ReviewsPanel } from './risk/reviews-panel.tsx';
import { RulesPanel } from './risk/rules-panel.tsx';
import { riskTexts } from './risk/texts.ts';

type SectionKey = 'reviews' | 'rules' | 'blocklist' | 'figures';

export default function RiskPage() {
  const { can } = useConsole();
  const r = useTexts(riskTexts);
  const reads = can('risk.read') || can('analytics.read');
  const sections: { key: SectionKey; shown: boolean; render(): ReactNode }[] = [
    { key: 'reviews', shown: reads, render: () => <ReviewsPanel /> },
    { key: 'rules', shown: reads, render: () => <RulesPanel /> },
    // The blocklist holds emails and phones: not for analysts (the server refuses them too).
    { key: 'blocklist', shown: can('risk.read'), render: () => <BlocklistPanel /> },
    { key: 'figures', shown: reads, render: () => <FiguresPanel /> },
  ];
  const shown = sections.filter((section) => section.shown);
  const [selected, setSelected] = useState<string>(() => new URLSearchParams(window.location.search).get('section') ?? 'reviews');
  const current = shown.find((section) => section.key === selected) ?? shown[0];
  return (
    <>
      <PageHeading title={r('title')} />
      <Radio.Group
        aria-label={r('sections')}
        value={current?.key}
        onChange={(event) => setSelected(event.target.value as string)}
        optionType="button"
        style={{ display: 'flex', flexWrap: 'wrap', rowGap: 8, marginBottom: 16 }}
        options={shown.map((section) => ({ value: section.key, label: <span data-testid={`risk-section-${section.key}`}>{r(section.key)}</span> }))}
      />
      {current?.render()}
    </>
  );
}
