/**
 * The topics a comment can be about, and the words that say so. A topic is
 * a theme of what payers tell the merchant, mostly what went wrong (a fast
 * payment praised is not about `slow`). English keywords are whole words or
 * phrases of whole words; Chinese keywords are matched inside the comment's
 * text, in both scripts (written simplified, the traditional spelling is
 * derived: lexicon-zh.ts).
 */
import { withTraditional } from './lexicon-zh.ts';

export const commentTopics = ['slow', 'declined', 'confusing', 'price', 'trust', 'bug', 'payment_method', 'refund'] as const;
export type CommentTopic = (typeof commentTopics)[number];

export const englishTopicKeywords: Readonly<Record<CommentTopic, readonly string[]>> = {
  slow: ['slow', 'slowly', 'sluggish', 'forever', 'ages', 'waited', 'waiting', 'wait', 'loading', 'spinning', 'spinner', 'timeout', 'timed out', 'delay', 'delayed', 'lag', 'laggy', 'took long', 'long time', 'minutes', 'speed up'],
  declined: ['declined', 'decline', 'declines', 'rejected', 'refused', 'denied', 'failed', 'fails', 'failure', 'unsuccessful', 'go through', 'went through', 'bounced', 'insufficient', 'not approved', 'kept failing'],
  confusing: ['confusing', 'confused', 'unclear', 'complicated', "don't understand", "didn't understand", 'hard to understand', "can't understand", 'could not understand', 'hard to find', "couldn't find", 'could not find', 'where to', 'too many steps', 'steps', 'instructions', 'unintuitive', 'not intuitive', 'not clear', 'lost track', 'which button', 'puzzling', 'cluttered'],
  price: ['price', 'prices', 'pricing', 'expensive', 'pricey', 'overpriced', 'cheap', 'cost', 'costs', 'fee', 'fees', 'surcharge', 'exchange rate', 'discount', 'coupon', 'affordable', 'costly', 'too much', 'value for money'],
  trust: ['trust', 'trusted', 'trustworthy', 'scam', 'fraud', 'fraudulent', 'secure', 'security', 'safe', 'unsafe', 'suspicious', 'sketchy', 'legit', 'legitimate', 'phishing', 'privacy', 'personal data', 'shady', 'dodgy', 'worried', 'insecure'],
  bug: ['bug', 'bugs', 'buggy', 'glitch', 'glitchy', 'error', 'errors', 'crash', 'crashed', 'crashes', 'froze', 'frozen', 'freezes', 'broken', 'stuck', 'blank', 'white screen', "doesn't work", 'not working', "didn't work", 'charged twice', 'double charged', 'charged me twice', 'hangs', 'reload', 'button did nothing', 'nothing happened'],
  payment_method: ['alipay', 'wechat', 'unionpay', 'paypal', 'apple pay', 'google pay', 'method', 'methods', 'wallet', 'amex', 'mastercard', 'visa', 'jcb', 'debit card', 'credit card', 'bank transfer'],
  refund: ['refund', 'refunds', 'refunded', 'money back', 'reimburse', 'reimbursed', 'chargeback', 'return my money'],
};

const chineseTopicKeywordsSimplified: Readonly<Record<CommentTopic, readonly string[]>> = {
  slow: ['慢', '等了', '等待', '等半天', '半天', '好久', '很久', '转圈', '超时', '卡顿', '延迟', '加载', '拖', '分钟'],
  declined: ['拒绝', '被拒', '失败', '不成功', '没成功', '付不了', '付不出', '余额不足', '限额', '驳回', '不通过', '没通过', '拒付'],
  confusing: ['看不懂', '不懂', '复杂', '繁琐', '困惑', '迷惑', '混乱', '找不到', '不知道', '步骤', '不清楚', '搞不清', '难用', '不直观', '太多'],
  price: ['贵', '价格', '价钱', '手续费', '收费', '费用', '便宜', '划算', '优惠', '折扣', '汇率', '实惠'],
  trust: ['安全', '骗', '可疑', '信任', '放心', '担心', '靠谱', '隐私', '钓鱼', '泄露', '信赖', '正规', '害怕'],
  bug: ['bug', '错误', '报错', '出错', '故障', '崩溃', '闪退', '白屏', '黑屏', '打不开', '没反应', '无响应', '卡死', '卡住', '重复扣', '扣了两次', '多扣', '异常', '点不了', '没有反应'],
  payment_method: ['支付宝', '微信', '云闪付', '银联', '信用卡', '银行卡', '花呗', '支付方式', '付款方式', '钱包', '借记卡', 'apple pay', 'paypal'],
  refund: ['退款', '退钱', '退回', '退还', '没退', '不退'],
};

/** Words of Taiwan and Hong Kong that are not spellings of simplified ones. */
const traditionalOnlyTopicKeywords: Readonly<Partial<Record<CommentTopic, readonly string[]>>> = {
  slow: ['龜速', '超慢', '卡卡'],
  bug: ['當機', '跑不出來'],
  payment_method: ['街口', 'line pay', '悠遊卡', '八達通', '轉帳'],
};

export const chineseTopicKeywords: Readonly<Record<CommentTopic, readonly string[]>> = Object.fromEntries(
  commentTopics.map((topic) => [
    topic,
    [...Object.keys(withTraditional(Object.fromEntries(chineseTopicKeywordsSimplified[topic].map((w) => [w, 1])))), ...(traditionalOnlyTopicKeywords[topic] ?? [])],
  ]),
) as unknown as Record<CommentTopic, readonly string[]>;
