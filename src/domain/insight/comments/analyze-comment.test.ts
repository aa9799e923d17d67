import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeComment } from './analyze-comment.ts';
import { evaluate, type LabelledComment } from './evaluate.ts';
import { detectLanguage } from './language.ts';
import { chineseValence, traditionalVariant } from './lexicon-zh.ts';

function sample(language: string): LabelledComment[] {
  const url = new URL(`../../../../test/fixtures/feedback-labelled/${language}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { comments: LabelledComment[] }).comments;
}

/**
 * Floors on the fixed labelled sample only (measured: `npm run bench:sentiment`).
 * They guard against a change to the lexicons or rules that makes the analyzer
 * worse; they say nothing of comments unlike these.
 */
describe('accuracy on the labelled sample', () => {
  for (const language of ['en', 'zh-CN', 'zh-TW'] as const) {
    it(`${language}: at least 200 comments, sentiment accuracy ≥ 90 %, topic precision and recall ≥ 90 %`, () => {
      const comments = sample(language);
      expect(comments.length).toBeGreaterThanOrEqual(200);
      const result = evaluate(comments, language);
      expect(result.sentimentAccuracy).toBeGreaterThanOrEqual(0.9);
      expect(result.topicMicro.precision).toBeGreaterThanOrEqual(0.9);
      expect(result.topicMicro.recall).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('labels only with known sentiments and topics, every comment once', () => {
    for (const language of ['en', 'zh-CN', 'zh-TW']) {
      const comments = sample(language);
      expect(new Set(comments.map((c) => c.text)).size).toBe(comments.length);
      for (const c of comments) {
        expect(['negative', 'neutral', 'positive']).toContain(c.sentiment);
        for (const topic of c.topics) expect(['slow', 'declined', 'confusing', 'price', 'trust', 'bug', 'payment_method', 'refund']).toContain(topic);
      }
    }
  });
});

describe('analyzeComment', () => {
  it('turns the polarity of a word after a negator, and not past the end of the clause', () => {
    expect(analyzeComment('Not good.').sentiment).toBe('negative');
    expect(analyzeComment('Not bad at all.').sentiment).toBe('positive');
    expect(analyzeComment("didn't work, error on confirm").sentiment).toBe('negative');
    expect(analyzeComment('不方便').sentiment).toBe('negative');
    expect(analyzeComment('没问题，很顺利').sentiment).toBe('positive');
  });

  it('weighs what follows a contrast more than what precedes it', () => {
    expect(analyzeComment('Nice page but far too slow and confusing.').sentiment).toBe('negative');
    expect(analyzeComment('价格有点贵，但是很方便，很满意').sentiment).toBe('positive');
  });

  it('reads a word ICU cuts into characters (靠谱) and one it keeps with its adverb (太慢)', () => {
    expect(analyzeComment('很靠谱').score).toBeGreaterThan(0);
    expect(analyzeComment('付款太慢了').sentiment).toBe('negative');
  });

  it('does not read the 卡 of 信用卡 as "stuck"', () => {
    expect(analyzeComment('用的信用卡').sentiment).toBe('neutral');
    expect(analyzeComment('用的信用卡').topics).toEqual(['payment_method']);
  });

  it('gives the same sentiment and topics to a comment in simplified and in traditional characters', () => {
    const pairs = [
      ['付款失败，等了很久，手续费还贵', '付款失敗，等了很久，手續費還貴'],
      ['页面崩溃了，很担心安全问题', '頁面崩潰了，很擔心安全問題'],
      ['退款很快，谢谢', '退款很快，謝謝'],
    ] as const;
    for (const [simplified, traditional] of pairs) {
      const a = analyzeComment(simplified);
      const b = analyzeComment(traditional);
      expect(a.language).toBe('zh-CN');
      expect(b.language).toBe('zh-TW');
      expect({ sentiment: b.sentiment, score: b.score, topics: b.topics }).toEqual({ sentiment: a.sentiment, score: a.score, topics: a.topics });
    }
  });

  it('has the traditional spelling of every simplified lexicon word', () => {
    expect(traditionalVariant('满意')).toBe('滿意');
    expect(chineseValence['滿意']).toBe(chineseValence['满意']);
    expect(chineseValence['拒絕']).toBe(chineseValence['拒绝']);
  });

  it('keeps the score within −1…1 and neutral for text without opinion', () => {
    const long = 'terrible awful horrible '.repeat(200);
    const analysis = analyzeComment(long);
    expect(analysis.score).toBeGreaterThanOrEqual(-1);
    expect(analysis.sentiment).toBe('negative');
    expect(analyzeComment('Order 88213.')).toEqual({ language: 'en', sentiment: 'neutral', score: 0, topics: [] });
    expect(analyzeComment('😀👍')).toMatchObject({ language: 'und', topics: [] });
  });

  it('tells English and the two Chinese scripts apart', () => {
    expect(detectLanguage('The card was declined')).toBe('en');
    expect(detectLanguage('这个页面很难用')).toBe('zh-CN');
    expect(detectLanguage('這個頁面很難用')).toBe('zh-TW');
  });
});
