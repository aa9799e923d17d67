/** Words the analytics and operations pages share, in the console's three languages. */
import type { ConsoleLocale, Localized } from '../../context.ts';

type Texts = Record<string, Localized>;

export const common = {
  range: { en: 'Range', 'zh-CN': '时间范围', 'zh-TW': '時間範圍' },
  last7: { en: 'Last 7 days', 'zh-CN': '最近 7 天', 'zh-TW': '最近 7 天' },
  last30: { en: 'Last 30 days', 'zh-CN': '最近 30 天', 'zh-TW': '最近 30 天' },
  last90: { en: 'Last 90 days', 'zh-CN': '最近 90 天', 'zh-TW': '最近 90 天' },
  today: { en: 'Today', 'zh-CN': '今天', 'zh-TW': '今天' },
  startDate: { en: 'Start date', 'zh-CN': '开始日期', 'zh-TW': '開始日期' },
  endDate: { en: 'End date', 'zh-CN': '结束日期', 'zh-TW': '結束日期' },
  currency: { en: 'Currency', 'zh-CN': '币种', 'zh-TW': '幣別' },
  previousPeriod: { en: 'vs previous period', 'zh-CN': '较上一周期', 'zh-TW': '較上一期間' },
  noPrevious: { en: 'nothing to compare', 'zh-CN': '无可比数据', 'zh-TW': '無可比較資料' },
  points: { en: 'pts', 'zh-CN': '个百分点', 'zh-TW': '個百分點' },
  loadFailed: { en: 'Could not load this page', 'zh-CN': '无法加载此页面', 'zh-TW': '無法載入此頁面' },
  retry: { en: 'Retry', 'zh-CN': '重试', 'zh-TW': '重試' },
  refresh: { en: 'Refresh', 'zh-CN': '刷新', 'zh-TW': '重新整理' },
  loading: { en: 'Loading…', 'zh-CN': '加载中…', 'zh-TW': '載入中…' },
  empty: { en: 'Nothing here yet.', 'zh-CN': '暂无数据。', 'zh-TW': '尚無資料。' },
  time: { en: 'Time', 'zh-CN': '时间', 'zh-TW': '時間' },
  created: { en: 'Created', 'zh-CN': '创建时间', 'zh-TW': '建立時間' },
  payment: { en: 'Payment', 'zh-CN': '支付', 'zh-TW': '付款' },
  amount: { en: 'Amount', 'zh-CN': '金额', 'zh-TW': '金額' },
  status: { en: 'Status', 'zh-CN': '状态', 'zh-TW': '狀態' },
  actions: { en: 'Actions', 'zh-CN': '操作', 'zh-TW': '操作' },
  note: { en: 'Note', 'zh-CN': '备注', 'zh-TW': '備註' },
  cancel: { en: 'Cancel', 'zh-CN': '取消', 'zh-TW': '取消' },
  save: { en: 'Save', 'zh-CN': '保存', 'zh-TW': '儲存' },
  yes: { en: 'Yes', 'zh-CN': '是', 'zh-TW': '是' },
  no: { en: 'No', 'zh-CN': '否', 'zh-TW': '否' },
  more: { en: 'Load more', 'zh-CN': '加载更多', 'zh-TW': '載入更多' },
  readOnly: { en: 'Your role can read this page but not change it.', 'zh-CN': '您的角色可以查看此页面，但不能修改。', 'zh-TW': '您的角色可以檢視此頁面，但不能修改。' },
  all: { en: 'All', 'zh-CN': '全部', 'zh-TW': '全部' },
  channel: { en: 'Channel', 'zh-CN': '渠道', 'zh-TW': '通路' },
  account: { en: 'Connector account', 'zh-CN': '渠道账户', 'zh-TW': '通路帳戶' },
  wallet: { en: 'Wallet', 'zh-CN': '钱包', 'zh-TW': '錢包' },
} satisfies Texts;

export const figureNames = {
  volume: { en: 'Volume', 'zh-CN': '交易额', 'zh-TW': '交易額' },
  payments: { en: 'Payments', 'zh-CN': '支付笔数', 'zh-TW': '付款筆數' },
  paymentsCreated: { en: 'Created', 'zh-CN': '创建', 'zh-TW': '建立' },
  paymentsSucceeded: { en: 'Succeeded', 'zh-CN': '成功', 'zh-TW': '成功' },
  successRate: { en: 'Success rate', 'zh-CN': '成功率', 'zh-TW': '成功率' },
  conversionRate: { en: 'Conversion', 'zh-CN': '转化率', 'zh-TW': '轉換率' },
  cancellationRate: { en: 'Cancellation rate', 'zh-CN': '取消率', 'zh-TW': '取消率' },
  abandonmentRate: { en: 'Abandonment rate', 'zh-CN': '放弃率', 'zh-TW': '放棄率' },
  averageOrderValue: { en: 'Average order value', 'zh-CN': '平均订单金额', 'zh-TW': '平均訂單金額' },
  refundRate: { en: 'Refund rate', 'zh-CN': '退款率', 'zh-TW': '退款率' },
  csat: { en: 'CSAT', 'zh-CN': '客户满意度 (CSAT)', 'zh-TW': '顧客滿意度 (CSAT)' },
  nps: { en: 'NPS', 'zh-CN': '净推荐值 (NPS)', 'zh-TW': '淨推薦值 (NPS)' },
  latencyP50: { en: 'Latency p50', 'zh-CN': '延迟 p50', 'zh-TW': '延遲 p50' },
  latencyP95: { en: 'Latency p95', 'zh-CN': '延迟 p95', 'zh-TW': '延遲 p95' },
  latencyP99: { en: 'Latency p99', 'zh-CN': '延迟 p99', 'zh-TW': '延遲 p99' },
  attempts: { en: 'Attempts', 'zh-CN': '尝试次数', 'zh-TW': '嘗試次數' },
  declines: { en: 'Decline codes', 'zh-CN': '拒绝代码', 'zh-TW': '拒絕代碼' },
  count: { en: 'Count', 'zh-CN': '数量', 'zh-TW': '數量' },
} satisfies Texts;

export const methodNames = {
  card: { en: 'Card', 'zh-CN': '银行卡', 'zh-TW': '信用卡' },
  alipay: { en: 'Alipay', 'zh-CN': '支付宝', 'zh-TW': '支付寶' },
  wechat_pay: { en: 'WeChat Pay', 'zh-CN': '微信支付', 'zh-TW': '微信支付' },
  unionpay: { en: 'UnionPay', 'zh-CN': '银联', 'zh-TW': '銀聯' },
  wallet: { en: 'Wallet', 'zh-CN': '钱包', 'zh-TW': '錢包' },
} satisfies Texts;

export const reasonNames = {
  duplicate: { en: 'Duplicate', 'zh-CN': '重复', 'zh-TW': '重複' },
  fraudulent: { en: 'Fraudulent', 'zh-CN': '欺诈', 'zh-TW': '詐欺' },
  requested_by_customer: { en: 'Requested by customer', 'zh-CN': '客户要求', 'zh-TW': '顧客要求' },
  abandoned: { en: 'Abandoned', 'zh-CN': '放弃支付', 'zh-TW': '放棄付款' },
  price_changed: { en: 'Price changed', 'zh-CN': '价格变动', 'zh-TW': '價格變動' },
  too_complicated: { en: 'Too complicated', 'zh-CN': '流程太复杂', 'zh-TW': '流程太複雜' },
  payment_method_unavailable: { en: 'Method unavailable', 'zh-CN': '支付方式不可用', 'zh-TW': '付款方式無法使用' },
  network_issue: { en: 'Network issue', 'zh-CN': '网络问题', 'zh-TW': '網路問題' },
  quality_concern: { en: 'Quality concern', 'zh-CN': '质量顾虑', 'zh-TW': '品質疑慮' },
  other: { en: 'Other', 'zh-CN': '其他', 'zh-TW': '其他' },
  payment_failed: { en: 'Payment failed', 'zh-CN': '支付失败', 'zh-TW': '付款失敗' },
  unknown: { en: 'Unknown', 'zh-CN': '未知', 'zh-TW': '未知' },
} satisfies Texts;

export const stageNames = {
  created: { en: 'Created', 'zh-CN': '已创建', 'zh-TW': '已建立' },
  checkout_viewed: { en: 'Checkout viewed', 'zh-CN': '已查看收银台', 'zh-TW': '已檢視結帳頁' },
  method_chosen: { en: 'Method chosen', 'zh-CN': '已选择方式', 'zh-TW': '已選擇方式' },
  confirm_submitted: { en: 'Confirm submitted', 'zh-CN': '已提交确认', 'zh-TW': '已送出確認' },
  attempt_failed: { en: 'Attempt failed', 'zh-CN': '尝试失败', 'zh-TW': '嘗試失敗' },
  action_required: { en: 'Action required', 'zh-CN': '需要验证', 'zh-TW': '需要驗證' },
  authorized: { en: 'Authorized', 'zh-CN': '已授权', 'zh-TW': '已授權' },
} satisfies Texts;

export const sourceNames = {
  payer: { en: 'Payer', 'zh-CN': '付款人', 'zh-TW': '付款人' },
  merchant: { en: 'Merchant', 'zh-CN': '商户', 'zh-TW': '商家' },
  provider: { en: 'Provider', 'zh-CN': '支付机构', 'zh-TW': '支付機構' },
  system: { en: 'Expiry (system)', 'zh-CN': '超时（系统）', 'zh-TW': '逾時（系統）' },
} satisfies Texts;

/** A label from one of the tables above, or the raw value when the table lacks it (a code added later). */
export function labelOf(table: Record<string, Localized>, key: string | null | undefined, locale: ConsoleLocale): string {
  if (key === null || key === undefined) return '–';
  return table[key]?.[locale] ?? key;
}
