/**
 * The English lexicon: words payers use about a payment, each with a
 * valence from −3 (very negative) to +3 (very positive), in the manner of
 * AFINN but limited to what a checkout hears. Words are matched lowercased,
 * whole, after Intl.Segmenter splits the comment; a few common inflections
 * are listed rather than stemmed, so a match is always exact.
 */
export const englishValence: Readonly<Record<string, number>> = {
  // Positive.
  good: 2, great: 3, excellent: 3, perfect: 3, awesome: 3, amazing: 3, fantastic: 3, wonderful: 3, love: 3, loved: 3, loves: 3,
  nice: 2, fine: 0.5, ok: 0.5, okay: 0.5, decent: 1, work: 1, fast: 2, quick: 2, quickly: 2, instant: 2, instantly: 2, easy: 2, easily: 2,
  simple: 2, smooth: 2, smoothly: 2, seamless: 3, convenient: 2, clear: 1, helpful: 2, happy: 2, glad: 2, satisfied: 2,
  thanks: 2, thank: 2, recommend: 2, reliable: 2, secure: 2, safe: 1, painless: 2, efficient: 2, effortless: 3, best: 3,
  friendly: 2, intuitive: 2, worked: 1, works: 1, success: 1, successful: 1, flawless: 3, pleased: 2, like: 1, liked: 1,
  cheap: 1, affordable: 2, fair: 1, trustworthy: 2, trusted: 2, resolved: 1, fixed: 1, appreciate: 2, appreciated: 2, brilliant: 3,
  straightforward: 2, speedy: 2, superb: 3, lovely: 2, impressed: 2, impressive: 2, better: 1,
  // Negative.
  bad: -2, terrible: -3, awful: -3, horrible: -3, worst: -3, poor: -2, slow: -2, slowly: -2, sluggish: -2, forever: -2, ages: -1,
  wait: -1, waited: -1, waiting: -1, stuck: -2, hang: -2, hangs: -2, hung: -2, froze: -2, frozen: -2, freeze: -2, freezes: -2,
  crash: -2, crashed: -2, crashes: -2, broken: -2, bug: -2, bugs: -2, buggy: -2, glitch: -2, glitchy: -2, error: -2, errors: -2,
  fail: -2, failed: -2, fails: -2, failure: -2, failing: -2, declined: -2, decline: -2, rejected: -2, refused: -2, denied: -2,
  confusing: -2, confused: -2, unclear: -2, complicated: -2, difficult: -2, hard: -1, annoying: -2, annoyed: -2, frustrating: -3,
  frustrated: -3, useless: -3, expensive: -2, overpriced: -2, pricey: -2, costly: -2, scam: -3, fraud: -3, fraudulent: -3,
  suspicious: -2, sketchy: -2, shady: -2, dodgy: -2, unsafe: -2, insecure: -2, worried: -2, worry: -2, scared: -2, unhappy: -2,
  disappointed: -2, disappointing: -2, hate: -3, hated: -3, problem: -1.5, problems: -1.5, issue: -1.5, issues: -1.5, nightmare: -3, unfair: -2, phishing: -2, pleasant: 2, high: -1, sure: 1, trouble: -2,
  wrong: -2, charged: -1, twice: -1, double: -1, hidden: -2, timeout: -2, timed: -1, lost: -2, missing: -1, nothing: -1,
  ridiculous: -3, unacceptable: -3, waste: -2, wasted: -2, painful: -2, clunky: -2, mess: -2, messy: -2, unreliable: -2,
  cumbersome: -2, tedious: -2, weird: -1, strange: -1, unable: -2, cannot: -1, impossible: -2, never: -1, rude: -2,
  unresponsive: -2, blank: -1, laggy: -2, lag: -2, bounced: -1, retry: -1, again: -1, sucks: -3, meh: -1, worse: -2,
};

/** Words that turn the polarity of the words after them ("not fast", "never again"). */
export const englishNegators: ReadonlySet<string> = new Set([
  'not', 'no', "don't", 'dont', "didn't", 'didnt', "doesn't", 'doesnt', "isn't", 'isnt', "wasn't", 'wasnt', "aren't", "weren't",
  "won't", 'wont', "can't", 'cant', "couldn't", 'couldnt', 'without', 'hardly', 'barely', 'neither', 'nor', "wouldn't", "haven't", "hasn't",
]);

/** Words that strengthen the word after them. */
export const englishIntensifiers: ReadonlySet<string> = new Set([
  'very', 'so', 'too', 'really', 'extremely', 'super', 'incredibly', 'totally', 'completely', 'absolutely', 'quite', 'way', 'utterly',
]);

/** Words after which the payer's real opinion usually comes ("nice page but far too slow"). */
export const englishContrasts: ReadonlySet<string> = new Set(['but', 'however', 'though', 'although', 'yet']);
