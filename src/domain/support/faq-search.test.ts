import { describe, expect, it } from 'vitest';
import { normalizeQuery, rankFaqEntries, searchTerms } from './faq-search.ts';

const entries = [
  { id: 'faq_1', position: 0, question: 'How do I get a refund?', answer: 'Ask on your order page; refunds take 3 to 5 days.' },
  { id: 'faq_2', position: 1, question: 'When will my order ship?', answer: 'Orders ship within 48 hours.' },
  { id: 'faq_3', position: 0, question: '如何申请退款？', answer: '在订单页面提交申请，3 到 5 天到账。' },
  { id: 'faq_4', position: 1, question: '什么时候发货？', answer: '48 小时内发货。' },
  { id: 'faq_5', position: 0, question: '如何申請退款？', answer: '在訂單頁面提交申請。' },
];

describe('FAQ search', () => {
  it('normalizes a query: full-width letters, case and spaces', () => {
    expect(normalizeQuery('  ＲＥＦＵＮＤ   Policy ')).toBe('refund policy');
  });

  it('cuts Chinese into characters and pairs, Latin into words', () => {
    const terms = searchTerms('退款 refund');
    expect(terms.get('退款')).toBe(2);
    expect(terms.get('退')).toBe(1);
    expect(terms.get('refund')).toBe(2);
  });

  it("finds English entries by word ('refund' finds 'refunds'), the question before the answer", () => {
    expect(rankFaqEntries('refund', entries).map((e) => e.id)).toEqual(['faq_1']);
    expect(rankFaqEntries('ship order', entries).map((e) => e.id)[0]).toBe('faq_2');
  });

  it('finds simplified and traditional Chinese entries without spaces', () => {
    expect(rankFaqEntries('退款', entries).map((e) => e.id).sort()).toEqual(['faq_3', 'faq_5']);
    expect(rankFaqEntries('发货', entries).map((e) => e.id)).toEqual(['faq_4']);
  });

  it('reads the whole of a long answer, not only its start', () => {
    const long = [{ id: 'faq_9', position: 0, question: 'Shipping', answer: `${'Lorem ipsum dolor sit amet. '.repeat(20)}We ship to Macau too.` }];
    expect(rankFaqEntries('macau', long).map((e) => e.id)).toEqual(['faq_9']);
  });

  it('answers nothing for a query sharing no term, or a single stray character', () => {
    expect(rankFaqEntries('warranty', entries)).toEqual([]);
    expect(rankFaqEntries('x', entries)).toEqual([]);
    expect(rankFaqEntries('猫', entries)).toEqual([]);
  });
});
