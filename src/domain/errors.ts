/**
 * The one error catalog. Every failure a payer or a merchant can see has a
 * code here, with its HTTP status, its type, and a message and a suggestion
 * in every supported language. Operating errors are `PaymentError` values;
 * programmer errors are assertions (see assert.ts).
 *
 * Texts may hold `{name}` placeholders, filled from the error's details.
 */
import type { Locale } from './locale.ts';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'idempotency_error'
  | 'rate_limit_error'
  | 'card_error'
  | 'payment_error'
  | 'connector_error'
  | 'api_error';

interface LocalizedText {
  message: string;
  suggestion: string;
}

interface ErrorDefinition {
  status: number;
  type: ErrorType;
  text: Record<Locale, LocalizedText>;
}

export const errorCatalog = {
  parameter_missing: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The required parameter {param} is missing.', suggestion: 'Add {param} to the request and send it again.' },
      'zh-CN': { message: '缺少必填参数 {param}。', suggestion: '请在请求中加入 {param} 后重新发送。' },
      'zh-TW': { message: '缺少必填參數 {param}。', suggestion: '請在請求中加入 {param} 後重新傳送。' },
    },
  },
  parameter_invalid: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The parameter {param} is invalid: {reason}.', suggestion: 'Correct {param} as the API reference describes and send the request again.' },
      'zh-CN': { message: '参数 {param} 无效：{reason}。', suggestion: '请按照 API 文档修正 {param} 后重新发送请求。' },
      'zh-TW': { message: '參數 {param} 無效：{reason}。', suggestion: '請依照 API 文件修正 {param} 後重新傳送請求。' },
    },
  },
  url_not_public: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: {
        message: 'The URL in {param} leads to {host}, which is not a public internet address.',
        suggestion: 'Use an address reachable from the internet. Loopback, private, link-local and other internal addresses are refused; in test mode the operator may allow them with PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST.',
      },
      'zh-CN': {
        message: '{param} 中的网址指向 {host}，这不是公网地址。',
        suggestion: '请使用可从互联网访问的地址。本机、内网、链路本地等内部地址一律拒绝；测试模式下运营方可通过 PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST 允许。',
      },
      'zh-TW': {
        message: '{param} 中的網址指向 {host}，這不是公用網際網路位址。',
        suggestion: '請使用可從網際網路連線的位址。本機、內部網路、鏈路本地等內部位址一律拒絕；測試模式下營運方可透過 PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST 允許。',
      },
    },
  },
  parameter_unknown: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The parameter {param} is not recognized.', suggestion: 'Remove {param} from the request, or check its spelling against the API reference.' },
      'zh-CN': { message: '无法识别参数 {param}。', suggestion: '请删除 {param}，或对照 API 文档检查拼写。' },
      'zh-TW': { message: '無法識別參數 {param}。', suggestion: '請刪除 {param}，或對照 API 文件檢查拼寫。' },
    },
  },
  json_invalid: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request body is not valid JSON.', suggestion: 'Send a JSON object with the Content-Type application/json.' },
      'zh-CN': { message: '请求正文不是有效的 JSON。', suggestion: '请以 Content-Type application/json 发送一个 JSON 对象。' },
      'zh-TW': { message: '請求內容不是有效的 JSON。', suggestion: '請以 Content-Type application/json 傳送一個 JSON 物件。' },
    },
  },
  body_too_large: {
    status: 413,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request body is larger than {bytes_max} bytes.', suggestion: 'Send a smaller request; move large data out of metadata and descriptions.' },
      'zh-CN': { message: '请求正文超过 {bytes_max} 字节。', suggestion: '请缩小请求，不要在 metadata 或描述中放入大量数据。' },
      'zh-TW': { message: '請求內容超過 {bytes_max} 位元組。', suggestion: '請縮小請求，不要在 metadata 或描述中放入大量資料。' },
    },
  },
  media_type_unsupported: {
    status: 415,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request body must be application/json.', suggestion: 'Set the Content-Type header to application/json.' },
      'zh-CN': { message: '请求正文必须是 application/json。', suggestion: '请将 Content-Type 请求头设为 application/json。' },
      'zh-TW': { message: '請求內容必須是 application/json。', suggestion: '請將 Content-Type 標頭設為 application/json。' },
    },
  },
  json_too_deep: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request body nests objects and arrays deeper than {depth_max} levels.', suggestion: 'Send flatter JSON: no parameter of this API needs more than a few levels.' },
      'zh-CN': { message: '请求正文中对象和数组的嵌套超过 {depth_max} 层。', suggestion: '请发送层级更少的 JSON：本 API 的参数只需要几层嵌套。' },
      'zh-TW': { message: '請求內容中物件與陣列的巢狀超過 {depth_max} 層。', suggestion: '請傳送層級較少的 JSON：本 API 的參數只需要幾層巢狀。' },
    },
  },
  request_malformed: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request is not well-formed HTTP, so it could not be read.', suggestion: 'Check the request line (the path starts with / and holds only ASCII: percent-encode the rest) and the headers, then send it again on a new connection.' },
      'zh-CN': { message: '请求不是格式正确的 HTTP，无法读取。', suggestion: '请检查请求行（路径以 / 开头且只含 ASCII 字符，其余请用百分号编码）和请求头，然后在新连接上重新发送。' },
      'zh-TW': { message: '請求不是格式正確的 HTTP，無法讀取。', suggestion: '請檢查請求列（路徑以 / 開頭且只含 ASCII 字元，其餘請以百分比編碼）與標頭，然後在新連線上重新傳送。' },
    },
  },
  headers_too_large: {
    status: 431,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request line and headers are larger than {bytes_max} bytes.', suggestion: 'Send fewer or shorter headers (and a shorter URL), then try again on a new connection.' },
      'zh-CN': { message: '请求行和请求头超过 {bytes_max} 字节。', suggestion: '请减少或缩短请求头（以及 URL），然后在新连接上重试。' },
      'zh-TW': { message: '請求列與標頭超過 {bytes_max} 位元組。', suggestion: '請減少或縮短標頭（以及 URL），然後在新連線上重試。' },
    },
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The request did not arrive completely within {seconds} seconds.', suggestion: 'Check the network, then send the request again on a new connection.' },
      'zh-CN': { message: '请求未能在 {seconds} 秒内完整送达。', suggestion: '请检查网络，然后在新连接上重新发送请求。' },
      'zh-TW': { message: '請求未能在 {seconds} 秒內完整送達。', suggestion: '請檢查網路，然後在新連線上重新傳送請求。' },
    },
  },
  route_unknown: {
    status: 404,
    type: 'invalid_request_error',
    text: {
      en: { message: 'There is no {method} {path} in this API.', suggestion: 'Check the method and the path against the API reference at /docs.' },
      'zh-CN': { message: '此 API 没有 {method} {path}。', suggestion: '请对照 /docs 的 API 文档检查请求方法和路径。' },
      'zh-TW': { message: '此 API 沒有 {method} {path}。', suggestion: '請對照 /docs 的 API 文件檢查請求方法與路徑。' },
    },
  },
  resource_missing: {
    status: 404,
    type: 'invalid_request_error',
    text: {
      en: { message: 'No such {resource}: {id}.', suggestion: 'Check the id, and that it belongs to this account and mode (test or live).' },
      'zh-CN': { message: '找不到 {resource}：{id}。', suggestion: '请检查 ID，并确认它属于此账户及当前模式（测试或正式）。' },
      'zh-TW': { message: '找不到 {resource}：{id}。', suggestion: '請檢查 ID，並確認它屬於此帳戶及目前模式（測試或正式）。' },
    },
  },
  amount_invalid: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The amount must be a whole number of minor units from 1 to 1000000000000.', suggestion: 'Send the amount in the smallest currency unit, for example 1234 for 12.34 CNY.' },
      'zh-CN': { message: '金额必须是 1 到 1000000000000 之间的最小货币单位整数。', suggestion: '请以最小货币单位发送金额，例如 12.34 元发送 1234。' },
      'zh-TW': { message: '金額必須是 1 到 1000000000000 之間的最小貨幣單位整數。', suggestion: '請以最小貨幣單位傳送金額，例如 12.34 元傳送 1234。' },
    },
  },
  currency_invalid: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The currency {currency} is not supported.', suggestion: 'Use an upper-case ISO 4217 code that Paypilot supports, such as CNY, HKD or USD.' },
      'zh-CN': { message: '不支持币种 {currency}。', suggestion: '请使用 Paypilot 支持的大写 ISO 4217 代码，例如 CNY、HKD 或 USD。' },
      'zh-TW': { message: '不支援幣別 {currency}。', suggestion: '請使用 Paypilot 支援的大寫 ISO 4217 代碼，例如 CNY、HKD 或 USD。' },
    },
  },
  payment_unexpected_state: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'This payment is {status}, so it cannot be {action}.', suggestion: 'Retrieve the payment to see its current status before trying again.' },
      'zh-CN': { message: '此付款当前状态为 {status}，无法执行{action}。', suggestion: '请先查询付款的最新状态，再决定是否重试。' },
      'zh-TW': { message: '此付款目前狀態為 {status}，無法執行{action}。', suggestion: '請先查詢付款的最新狀態，再決定是否重試。' },
    },
  },
  payment_expired: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'This payment expired and can no longer be paid.', suggestion: 'Return to the merchant and start the payment again.' },
      'zh-CN': { message: '此付款已过期，无法再支付。', suggestion: '请返回商家页面重新发起付款。' },
      'zh-TW': { message: '此付款已逾期，無法再支付。', suggestion: '請返回商家頁面重新發起付款。' },
    },
  },
  payment_method_unavailable: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The payment method {payment_method_type} is not available for this payment.', suggestion: 'Choose one of the methods offered: {available}.' },
      'zh-CN': { message: '此付款不支持 {payment_method_type} 支付方式。', suggestion: '请从以下支付方式中选择：{available}。' },
      'zh-TW': { message: '此付款不支援 {payment_method_type} 支付方式。', suggestion: '請從以下支付方式中選擇：{available}。' },
    },
  },
  refund_exceeds_payment: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The refund is larger than what remains to be refunded ({remaining}).', suggestion: 'Refund at most the remaining amount, or omit the amount to refund all that remains.' },
      'zh-CN': { message: '退款金额超过可退余额（{remaining}）。', suggestion: '请退款不超过剩余金额，或不填金额以退还全部余额。' },
      'zh-TW': { message: '退款金額超過可退餘額（{remaining}）。', suggestion: '請退款不超過剩餘金額，或不填金額以退還全部餘額。' },
    },
  },
  capture_exceeds_authorized: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The capture is larger than the authorized amount ({capturable}).', suggestion: 'Capture at most the authorized amount; the rest is released automatically.' },
      'zh-CN': { message: '请款金额超过已授权金额（{capturable}）。', suggestion: '请款金额不得超过已授权金额，其余部分会自动释放。' },
      'zh-TW': { message: '請款金額超過已授權金額（{capturable}）。', suggestion: '請款金額不得超過已授權金額，其餘部分會自動釋放。' },
    },
  },
  card_declined: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: 'The card was declined.', suggestion: 'Try another card or payment method, or contact your bank.' },
      'zh-CN': { message: '银行卡被拒绝。', suggestion: '请换一张卡或其他支付方式，或联系发卡银行。' },
      'zh-TW': { message: '信用卡被拒絕。', suggestion: '請改用其他卡片或支付方式，或聯絡發卡銀行。' },
    },
  },
  expired_card: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: 'The card has expired.', suggestion: 'Check the expiry date, or use another card.' },
      'zh-CN': { message: '银行卡已过期。', suggestion: '请检查有效期，或换一张卡。' },
      'zh-TW': { message: '卡片已過期。', suggestion: '請檢查有效期限，或改用其他卡片。' },
    },
  },
  incorrect_cvc: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: "The card's security code is incorrect.", suggestion: 'Enter the 3-digit code on the back of the card again.' },
      'zh-CN': { message: '银行卡安全码不正确。', suggestion: '请重新输入卡背面的 3 位安全码。' },
      'zh-TW': { message: '卡片安全碼不正確。', suggestion: '請重新輸入卡片背面的 3 位數安全碼。' },
    },
  },
  incorrect_number: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: 'The card number is incorrect.', suggestion: 'Check the card number and enter it again.' },
      'zh-CN': { message: '卡号不正确。', suggestion: '请核对卡号后重新输入。' },
      'zh-TW': { message: '卡號不正確。', suggestion: '請核對卡號後重新輸入。' },
    },
  },
  processing_error: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: 'An error occurred while processing the card. You were not charged.', suggestion: 'Try again in a moment; if it keeps failing, use another payment method.' },
      'zh-CN': { message: '处理银行卡时出错，未扣款。', suggestion: '请稍后重试；如仍失败，请换一种支付方式。' },
      'zh-TW': { message: '處理卡片時發生錯誤，未扣款。', suggestion: '請稍後再試；若仍失敗，請改用其他支付方式。' },
    },
  },
  authentication_required: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: 'This payment needs a one-time code from your bank.', suggestion: 'Enter the code your bank sent you to finish paying.' },
      'zh-CN': { message: '此付款需要银行发送的一次性验证码。', suggestion: '请输入银行发送给您的验证码以完成付款。' },
      'zh-TW': { message: '此付款需要銀行傳送的一次性驗證碼。', suggestion: '請輸入銀行傳送給您的驗證碼以完成付款。' },
    },
  },
  authentication_failed: {
    status: 402,
    type: 'card_error',
    text: {
      en: { message: 'The one-time code is not correct.', suggestion: 'Enter the latest code your bank sent you; {attempts_remaining} attempts remain.' },
      'zh-CN': { message: '验证码不正确。', suggestion: '请输入银行最新发送的验证码；还可尝试 {attempts_remaining} 次。' },
      'zh-TW': { message: '驗證碼不正確。', suggestion: '請輸入銀行最新傳送的驗證碼；還可嘗試 {attempts_remaining} 次。' },
    },
  },
  insufficient_funds: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'The wallet balance ({available}) is not enough for this payment.', suggestion: 'Top up at least {shortfall}, or pay another way.' },
      'zh-CN': { message: '钱包余额（{available}）不足以支付此笔款项。', suggestion: '请至少充值 {shortfall}，或换一种支付方式。' },
      'zh-TW': { message: '錢包餘額（{available}）不足以支付此筆款項。', suggestion: '請至少儲值 {shortfall}，或改用其他支付方式。' },
    },
  },
  points_insufficient: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'You have {available} points to spend; this payment asks for {requested}.', suggestion: 'Use fewer points, or pay without them.' },
      'zh-CN': { message: '您可用的积分为 {available}，此笔付款需要 {requested}。', suggestion: '请减少使用的积分，或不使用积分付款。' },
      'zh-TW': { message: '您可用的點數為 {available}，此筆付款需要 {requested}。', suggestion: '請減少使用的點數，或不使用點數付款。' },
    },
  },
  points_unavailable: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'Points cannot be used for this payment.', suggestion: 'Pay without points: only payments by a known customer, in the currency of the merchant’s points programme, can use them.' },
      'zh-CN': { message: '此笔付款不能使用积分。', suggestion: '请不使用积分付款：只有已识别的顾客、以商户积分计划的币种付款时才能使用积分。' },
      'zh-TW': { message: '此筆付款無法使用點數。', suggestion: '請不使用點數付款：只有已識別的顧客、以商家點數方案的幣別付款時才能使用點數。' },
    },
  },
  coupon_not_stackable_with_points: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'This coupon cannot be combined with points.', suggestion: 'Pay without points to keep the coupon, or remove the coupon to use your points.' },
      'zh-CN': { message: '此优惠券不能与积分同时使用。', suggestion: '保留优惠券请不使用积分付款，或移除优惠券后使用积分。' },
      'zh-TW': { message: '此優惠券無法與點數同時使用。', suggestion: '保留優惠券請不使用點數付款，或移除優惠券後使用點數。' },
    },
  },
  points_too_few: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'These points are worth less than the smallest amount, or this payment cannot take points.', suggestion: 'Use more points, or pay without them.' },
      'zh-CN': { message: '这些积分的价值不足最小金额，或此笔付款不能再用积分抵扣。', suggestion: '请使用更多积分，或不使用积分付款。' },
      'zh-TW': { message: '這些點數的價值不足最小金額，或此筆付款無法再以點數折抵。', suggestion: '請使用更多點數，或不使用點數付款。' },
    },
  },
  incorrect_pin: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'The payment PIN is incorrect.', suggestion: 'Enter your 6-digit PIN again; {attempts_remaining} attempts remain before payments are locked for 15 minutes.' },
      'zh-CN': { message: '支付密码不正确。', suggestion: '请重新输入 6 位支付密码；再错 {attempts_remaining} 次将锁定 15 分钟。' },
      'zh-TW': { message: '支付密碼不正確。', suggestion: '請重新輸入 6 位數支付密碼；再錯 {attempts_remaining} 次將鎖定 15 分鐘。' },
    },
  },
  pin_not_set: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'This wallet has no payment PIN yet.', suggestion: 'Set a 6-digit payment PIN for your wallet first, or pay another way.' },
      'zh-CN': { message: '该钱包尚未设置支付密码。', suggestion: '请先为钱包设置 6 位支付密码，或换一种支付方式。' },
      'zh-TW': { message: '此錢包尚未設定支付密碼。', suggestion: '請先為錢包設定 6 位數支付密碼，或改用其他支付方式。' },
    },
  },
  pin_locked: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'Too many incorrect PINs: wallet payments are locked until {unlocks_at}.', suggestion: 'Wait until then, or pay another way now.' },
      'zh-CN': { message: '支付密码错误次数过多，钱包支付已锁定至 {unlocks_at}。', suggestion: '请到时再试，或现在换一种支付方式。' },
      'zh-TW': { message: '支付密碼錯誤次數過多，錢包支付已鎖定至 {unlocks_at}。', suggestion: '請屆時再試，或現在改用其他支付方式。' },
    },
  },
  customer_restricted: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'Payments from this customer are paused until {unlocks_at}: too many payments were canceled in a short time.', suggestion: 'Try again after {unlocks_at}, or contact the merchant to lift the restriction.' },
      'zh-CN': { message: '短时间内取消付款次数过多，该客户的付款已暂停至 {unlocks_at}。', suggestion: '请在 {unlocks_at} 之后再试，或联系商家解除限制。' },
      'zh-TW': { message: '短時間內取消付款次數過多，該客戶的付款已暫停至 {unlocks_at}。', suggestion: '請在 {unlocks_at} 之後再試，或聯絡商家解除限制。' },
    },
  },
  verification_code_incorrect: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'The verification code is not correct.', suggestion: 'Enter the 6-digit code we sent you; {attempts_remaining} attempts remain.' },
      'zh-CN': { message: '验证码不正确。', suggestion: '请输入我们发送给您的 6 位验证码；还可尝试 {attempts_remaining} 次。' },
      'zh-TW': { message: '驗證碼不正確。', suggestion: '請輸入我們傳送給您的 6 位數驗證碼；還可嘗試 {attempts_remaining} 次。' },
    },
  },
  verification_code_expired: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'This verification code can no longer be used: it expired or was entered wrongly too often.', suggestion: 'Confirm the payment again to receive a new code.' },
      'zh-CN': { message: '此验证码已失效：已过期或输错次数过多。', suggestion: '请重新确认付款以获取新的验证码。' },
      'zh-TW': { message: '此驗證碼已失效：已逾期或輸入錯誤次數過多。', suggestion: '請重新確認付款以取得新的驗證碼。' },
    },
  },
  console_sign_in_failed: {
    status: 401,
    type: 'authentication_error',
    text: {
      en: { message: 'The email or password is not correct.', suggestion: 'Check both and try again, or reset your password by email.' },
      'zh-CN': { message: '邮箱或密码不正确。', suggestion: '请检查后重试，或通过邮件重置密码。' },
      'zh-TW': { message: '電子郵件或密碼不正確。', suggestion: '請檢查後再試，或透過電子郵件重設密碼。' },
    },
  },
  console_second_factor_required: {
    status: 401,
    type: 'authentication_error',
    text: {
      en: { message: 'This account signs in with a second factor.', suggestion: 'Send the 6-digit code from your authenticator app, or one of your recovery codes, with your password.' },
      'zh-CN': { message: '此账号登录需要第二重验证。', suggestion: '请连同密码提交身份验证器应用中的 6 位验证码，或一个恢复码。' },
      'zh-TW': { message: '此帳號登入需要第二重驗證。', suggestion: '請連同密碼送出驗證器應用程式中的 6 位數驗證碼，或一組復原碼。' },
    },
  },
  console_code_incorrect: {
    status: 401,
    type: 'authentication_error',
    text: {
      en: { message: 'The code is not correct, or was already used.', suggestion: 'Enter the code your authenticator app shows now; each code and each recovery code works once.' },
      'zh-CN': { message: '验证码不正确或已被使用。', suggestion: '请输入身份验证器应用当前显示的验证码；每个验证码和恢复码只能使用一次。' },
      'zh-TW': { message: '驗證碼不正確或已被使用。', suggestion: '請輸入驗證器應用程式目前顯示的驗證碼；每組驗證碼與復原碼只能使用一次。' },
    },
  },
  console_account_locked: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'Too many failed sign-ins: this account is locked until {unlocks_at}.', suggestion: 'Wait until then, or reset your password by email.' },
      'zh-CN': { message: '登录失败次数过多，此账号已锁定至 {unlocks_at}。', suggestion: '请到时再试，或通过邮件重置密码。' },
      'zh-TW': { message: '登入失敗次數過多，此帳號已鎖定至 {unlocks_at}。', suggestion: '請屆時再試，或透過電子郵件重設密碼。' },
    },
  },
  console_session_required: {
    status: 401,
    type: 'authentication_error',
    text: {
      en: { message: 'You are not signed in to the console, or your session has ended.', suggestion: 'Sign in again.' },
      'zh-CN': { message: '您尚未登录控制台，或会话已结束。', suggestion: '请重新登录。' },
      'zh-TW': { message: '您尚未登入主控台，或工作階段已結束。', suggestion: '請重新登入。' },
    },
  },
  console_csrf_invalid: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'This request lacks the session’s CSRF token.', suggestion: 'Send the csrf_token given at sign-in in the X-CSRF-Token header; reload the console if it is missing.' },
      'zh-CN': { message: '此请求缺少会话的 CSRF 令牌。', suggestion: '请在 X-CSRF-Token 头中发送登录时获得的 csrf_token；如缺失，请重新加载控制台。' },
      'zh-TW': { message: '此請求缺少工作階段的 CSRF 權杖。', suggestion: '請在 X-CSRF-Token 標頭中傳送登入時取得的 csrf_token；若遺失，請重新載入主控台。' },
    },
  },
  console_role_forbidden: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'Your role ({role}) does not allow this.', suggestion: 'Ask an owner or admin of your team to do it, or to change your role.' },
      'zh-CN': { message: '您的角色（{role}）无权执行此操作。', suggestion: '请联系团队的所有者或管理员代为操作，或调整您的角色。' },
      'zh-TW': { message: '您的角色（{role}）無權執行此操作。', suggestion: '請聯絡團隊的擁有者或管理員代為操作，或調整您的角色。' },
    },
  },
  console_route_unavailable: {
    status: 403,
    type: 'permission_error',
    text: {
      en: {
        message: 'The console cannot make this API request with a signed-in session.',
        suggestion: 'Refunds, captures and cancellations go through the console’s payment actions; other calls need a secret key.',
      },
      'zh-CN': { message: '控制台的登录会话无法发起此 API 请求。', suggestion: '退款、请款和取消请使用控制台的付款操作；其他调用需要私钥。' },
      'zh-TW': { message: '主控台的登入工作階段無法發出此 API 請求。', suggestion: '退款、請款和取消請使用主控台的付款操作；其他呼叫需要私密金鑰。' },
    },
  },
  console_enrolment_required: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'Your role must sign in with a second factor, and you have not set one up yet.', suggestion: 'Enrol an authenticator app first; the rest of the console opens once it is confirmed.' },
      'zh-CN': { message: '您的角色必须使用第二重验证登录，而您尚未设置。', suggestion: '请先绑定身份验证器应用；确认后即可使用控制台的其他功能。' },
      'zh-TW': { message: '您的角色必須使用第二重驗證登入，而您尚未設定。', suggestion: '請先綁定驗證器應用程式；確認後即可使用主控台的其他功能。' },
    },
  },
  console_two_factor_state: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'Two-factor sign-in cannot change this way now: {reason}.', suggestion: 'Reload your security settings and start again from what they show.' },
      'zh-CN': { message: '目前无法以此方式变更双重验证：{reason}。', suggestion: '请重新加载安全设置，按其显示的状态重新开始。' },
      'zh-TW': { message: '目前無法以此方式變更雙重驗證：{reason}。', suggestion: '請重新載入安全性設定，依其顯示的狀態重新開始。' },
    },
  },
  console_link_invalid: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'This link is not valid: it was already used, or it expired.', suggestion: 'Ask for a new password reset email, or a new invitation.' },
      'zh-CN': { message: '此链接无效：已被使用或已过期。', suggestion: '请重新申请密码重置邮件或新的邀请。' },
      'zh-TW': { message: '此連結無效：已被使用或已逾期。', suggestion: '請重新申請密碼重設郵件或新的邀請。' },
    },
  },
  console_password_weak: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'This password cannot be used: it needs {reason}.', suggestion: 'Choose a longer password, such as a few unrelated words.' },
      'zh-CN': { message: '无法使用此密码：需要{reason}。', suggestion: '请选择更长的密码，例如几个不相关的词语。' },
      'zh-TW': { message: '無法使用此密碼：需要{reason}。', suggestion: '請選擇更長的密碼，例如幾個不相關的詞語。' },
    },
  },
  console_member_exists: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'A member with this email is already on the team.', suggestion: 'Change that member’s role instead, or invite another address.' },
      'zh-CN': { message: '团队中已有使用此邮箱的成员。', suggestion: '请改为调整该成员的角色，或邀请其他邮箱。' },
      'zh-TW': { message: '團隊中已有使用此電子郵件的成員。', suggestion: '請改為調整該成員的角色，或邀請其他電子郵件。' },
    },
  },
  console_last_owner: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The team’s last owner cannot be removed or given another role.', suggestion: 'Make another member an owner first.' },
      'zh-CN': { message: '不能移除团队的最后一位所有者，也不能变更其角色。', suggestion: '请先将另一位成员设为所有者。' },
      'zh-TW': { message: '不能移除團隊的最後一位擁有者，也不能變更其角色。', suggestion: '請先將另一位成員設為擁有者。' },
    },
  },
  console_refund_over_limit: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'This refund is larger than your role may give ({limit}).', suggestion: 'Refund at most that, or ask an operator, admin or owner to refund more.' },
      'zh-CN': { message: '此退款金额超出您的角色可退金额（{limit}）。', suggestion: '请在该额度内退款，或请运营、管理员或所有者处理更大金额。' },
      'zh-TW': { message: '此退款金額超出您的角色可退金額（{limit}）。', suggestion: '請在該額度內退款，或請營運、管理員或擁有者處理更大金額。' },
    },
  },
  risk_blocked: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'This payment was blocked by risk checks.', suggestion: 'Use another payment method, or contact the merchant if you think this is a mistake.' },
      'zh-CN': { message: '此付款未通过风险检查。', suggestion: '请换一种支付方式；如认为有误，请联系商家。' },
      'zh-TW': { message: '此付款未通過風險檢查。', suggestion: '請改用其他支付方式；如認為有誤，請聯絡商家。' },
    },
  },
  risk_rule_invalid: {
    status: 400,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The rule expression is not valid: {reason} (at character {position}).', suggestion: 'Correct the expression at that position; GET /v1/risk_rules/signals lists the signals and their types.' },
      'zh-CN': { message: '规则表达式无效：{reason}（第 {position} 个字符处）。', suggestion: '请修改该位置的表达式；可用的信号及其类型见 GET /v1/risk_rules/signals。' },
      'zh-TW': { message: '規則運算式無效：{reason}（第 {position} 個字元處）。', suggestion: '請修改該位置的運算式；可用的訊號及其類型見 GET /v1/risk_rules/signals。' },
    },
  },
  payment_not_completed: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'The payment was not completed at the provider.', suggestion: 'Try again, or choose another payment method.' },
      'zh-CN': { message: '付款未在支付机构完成。', suggestion: '请重试，或选择其他支付方式。' },
      'zh-TW': { message: '付款未在支付機構完成。', suggestion: '請重試，或選擇其他支付方式。' },
    },
  },
  payment_failed_at_provider: {
    status: 402,
    type: 'payment_error',
    text: {
      en: { message: 'The provider could not take this payment.', suggestion: 'Check your balance or bank card in the app, or choose another payment method.' },
      'zh-CN': { message: '支付机构未能完成此笔扣款。', suggestion: '请在应用中检查余额或银行卡，或选择其他支付方式。' },
      'zh-TW': { message: '支付機構未能完成此筆扣款。', suggestion: '請在應用程式中檢查餘額或銀行卡，或選擇其他支付方式。' },
    },
  },
  // Alipay in a mini program (trade.create for a named buyer): Alipay refused to make the trade for that buyer.
  alipay_buyer_refused: {
    status: 402,
    type: 'payment_error',
    text: {
      en: {
        message: 'Alipay will not take this payment from the Alipay account it names (buyer_id or buyer_open_id): the account is the seller’s own, restricted, or over its payment limit.',
        suggestion: 'Pay with another Alipay account or another payment method; a merchant should check that buyer_id or buyer_open_id is the payer’s.',
      },
      'zh-CN': {
        message: '支付宝不接受该支付宝账户（buyer_id 或 buyer_open_id）付款：该账户是卖家本人、受限，或已超出付款限额。',
        suggestion: '请换一个支付宝账户或其他支付方式付款；商户请确认 buyer_id 或 buyer_open_id 为付款人本人。',
      },
      'zh-TW': {
        message: '支付寶不接受該支付寶帳戶（buyer_id 或 buyer_open_id）付款：該帳戶是賣家本人、受限，或已超出付款限額。',
        suggestion: '請換一個支付寶帳戶或其他支付方式付款；商戶請確認 buyer_id 或 buyer_open_id 為付款人本人。',
      },
    },
  },
  // Coupons (src/domain/coupons): what a payer or a merchant is told when a code does not apply.
  coupon_unknown: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon code {coupon} does not exist.', suggestion: 'Check the code for typing mistakes, or pay without a coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 不存在。', suggestion: '请检查优惠码是否输错，或不使用优惠码直接付款。' },
      'zh-TW': { message: '優惠碼 {coupon} 不存在。', suggestion: '請檢查優惠碼是否輸入錯誤，或不使用優惠碼直接付款。' },
    },
  },
  coupon_disabled: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} is no longer offered.', suggestion: 'Remove the coupon and pay the full price, or use another coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 已停用。', suggestion: '请移除优惠码按原价付款，或使用其他优惠码。' },
      'zh-TW': { message: '優惠碼 {coupon} 已停用。', suggestion: '請移除優惠碼以原價付款，或使用其他優惠碼。' },
    },
  },
  coupon_expired: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} expired on {ends_at}.', suggestion: 'Remove the coupon and pay the full price, or use another coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 已于 {ends_at} 过期。', suggestion: '请移除优惠码按原价付款，或使用其他优惠码。' },
      'zh-TW': { message: '優惠碼 {coupon} 已於 {ends_at} 過期。', suggestion: '請移除優惠碼以原價付款，或使用其他優惠碼。' },
    },
  },
  coupon_not_yet_valid: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} can be used from {starts_at}.', suggestion: 'Pay later to use it, or pay now without it.' },
      'zh-CN': { message: '优惠码 {coupon} 自 {starts_at} 起才可使用。', suggestion: '请届时再付款使用，或现在不使用优惠码付款。' },
      'zh-TW': { message: '優惠碼 {coupon} 自 {starts_at} 起才可使用。', suggestion: '請屆時再付款使用，或現在不使用優惠碼付款。' },
    },
  },
  coupon_minimum_not_met: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} needs an order of at least {minimum}.', suggestion: 'Add to your order to reach the minimum, or pay without the coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 需订单满 {minimum} 才可使用。', suggestion: '请凑够最低金额，或不使用优惠码付款。' },
      'zh-TW': { message: '優惠碼 {coupon} 需訂單滿 {minimum} 才可使用。', suggestion: '請湊足最低金額，或不使用優惠碼付款。' },
    },
  },
  coupon_limit_reached: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} has been used as many times as it allows.', suggestion: 'Remove the coupon and pay the full price, or use another coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 的使用次数已达上限。', suggestion: '请移除优惠码按原价付款，或使用其他优惠码。' },
      'zh-TW': { message: '優惠碼 {coupon} 的使用次數已達上限。', suggestion: '請移除優惠碼以原價付款，或使用其他優惠碼。' },
    },
  },
  coupon_not_for_method: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} cannot be used with this payment method.', suggestion: 'Pay with {allowed} to use it, or remove the coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 不适用于此支付方式。', suggestion: '请使用 {allowed} 付款以享受优惠，或移除优惠码。' },
      'zh-TW': { message: '優惠碼 {coupon} 不適用於此支付方式。', suggestion: '請使用 {allowed} 付款以享受優惠，或移除優惠碼。' },
    },
  },
  coupon_currency_mismatch: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} is for payments in {coupon_currency}.', suggestion: 'Use a coupon for this currency, or pay without one.' },
      'zh-CN': { message: '优惠码 {coupon} 仅适用于以 {coupon_currency} 付款。', suggestion: '请使用适用于此币种的优惠码，或不使用优惠码付款。' },
      'zh-TW': { message: '優惠碼 {coupon} 僅適用於以 {coupon_currency} 付款。', suggestion: '請使用適用於此幣別的優惠碼，或不使用優惠碼付款。' },
    },
  },
  coupon_first_payment_only: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} is only for a first payment.', suggestion: 'Remove the coupon and pay the full price.' },
      'zh-CN': { message: '优惠码 {coupon} 仅限首次付款使用。', suggestion: '请移除优惠码按原价付款。' },
      'zh-TW': { message: '優惠碼 {coupon} 僅限首次付款使用。', suggestion: '請移除優惠碼以原價付款。' },
    },
  },
  coupon_customer_required: {
    status: 422,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The coupon {coupon} is limited per customer, and this payment names none.', suggestion: 'Create the payment with its customer to use this coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 按客户限量使用，而此付款未指定客户。', suggestion: '请在创建付款时指定客户后再使用此优惠码。' },
      'zh-TW': { message: '優惠碼 {coupon} 按客戶限量使用，而此付款未指定客戶。', suggestion: '請在建立付款時指定客戶後再使用此優惠碼。' },
    },
  },
  coupon_tries_exhausted: {
    status: 429,
    type: 'rate_limit_error',
    text: {
      en: { message: 'Too many coupon codes were tried on this payment.', suggestion: 'Pay without a coupon, or ask the merchant for a new payment link.' },
      'zh-CN': { message: '此付款尝试的优惠码次数过多。', suggestion: '请不使用优惠码付款，或向商家索取新的付款链接。' },
      'zh-TW': { message: '此付款嘗試的優惠碼次數過多。', suggestion: '請不使用優惠碼付款，或向商家索取新的付款連結。' },
    },
  },
  coupon_code_taken: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'A coupon with the code {coupon} exists already.', suggestion: 'Choose another code, or use the existing coupon.' },
      'zh-CN': { message: '优惠码 {coupon} 已存在。', suggestion: '请换一个优惠码，或使用已有的优惠券。' },
      'zh-TW': { message: '優惠碼 {coupon} 已存在。', suggestion: '請換一個優惠碼，或使用現有的優惠券。' },
    },
  },
  experiment_already_running: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'Another checkout experiment is running; {experiment} cannot start while it runs.', suggestion: 'Stop the running experiment first (GET /v1/experiments lists it), then start this one.' },
      'zh-CN': { message: '已有另一个收银台实验正在运行，{experiment} 无法同时开始。', suggestion: '请先停止正在运行的实验（可通过 GET /v1/experiments 查看），再开始此实验。' },
      'zh-TW': { message: '已有另一個收銀台實驗正在執行，{experiment} 無法同時開始。', suggestion: '請先停止正在執行的實驗（可透過 GET /v1/experiments 查看），再開始此實驗。' },
    },
  },
  experiment_unexpected_state: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The experiment {experiment} is {status}, so it cannot be {action}.', suggestion: 'A draft can be started, a running experiment stopped; create a new experiment to test again.' },
      'zh-CN': { message: '实验 {experiment} 当前状态为 {status}，无法执行该操作（{action}）。', suggestion: '草稿可以开始，运行中的实验可以停止；如需再次测试，请新建实验。' },
      'zh-TW': { message: '實驗 {experiment} 目前狀態為 {status}，無法執行該操作（{action}）。', suggestion: '草稿可以開始，執行中的實驗可以停止；如需再次測試，請建立新實驗。' },
    },
  },
  support_request_unexpected_state: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The support request is {status}; it cannot be {action}.', suggestion: 'Retrieve the request to see its status: only a resolved request can be reopened, and a resolved one cannot be answered or resolved again.' },
      'zh-CN': { message: '该客服请求当前为 {status}，无法执行 {action}。', suggestion: '请先查询该请求的状态：只有已解决的请求可以重新打开，已解决的请求不能再回复或再次解决。' },
      'zh-TW': { message: '該客服請求目前為 {status}，無法執行 {action}。', suggestion: '請先查詢該請求的狀態：只有已解決的請求可以重新開啟，已解決的請求不能再回覆或再次解決。' },
    },
  },
  support_request_limit_reached: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'This payment already has {limit} open support requests, or the thread has reached {limit} messages.', suggestion: 'Wait for the merchant to answer the requests already sent, or contact the merchant directly.' },
      'zh-CN': { message: '该笔付款已有 {limit} 个未解决的客服请求，或对话已达 {limit} 条消息。', suggestion: '请等待商家回复已提交的请求，或直接联系商家。' },
      'zh-TW': { message: '該筆付款已有 {limit} 個未解決的客服請求，或對話已達 {limit} 則訊息。', suggestion: '請等候商家回覆已送出的請求，或直接聯絡商家。' },
    },
  },
  connector_unavailable: {
    status: 503,
    type: 'connector_error',
    text: {
      en: { message: 'The payment provider could not be reached. You were not charged.', suggestion: 'Try again in a few minutes, or use another payment method.' },
      'zh-CN': { message: '暂时无法连接支付机构，未扣款。', suggestion: '请几分钟后重试，或换一种支付方式。' },
      'zh-TW': { message: '暫時無法連線支付機構，未扣款。', suggestion: '請幾分鐘後再試，或改用其他支付方式。' },
    },
  },
  idempotency_key_reused: {
    status: 400,
    type: 'idempotency_error',
    text: {
      en: { message: 'This Idempotency-Key was already used for a different request.', suggestion: 'Use a new key for each distinct request; reuse a key only to retry the very same request.' },
      'zh-CN': { message: '此 Idempotency-Key 已用于另一个不同的请求。', suggestion: '每个不同的请求请使用新的键；只有重试完全相同的请求时才重复使用。' },
      'zh-TW': { message: '此 Idempotency-Key 已用於另一個不同的請求。', suggestion: '每個不同的請求請使用新的鍵；只有重試完全相同的請求時才重複使用。' },
    },
  },
  idempotency_key_in_use: {
    status: 409,
    type: 'idempotency_error',
    text: {
      en: { message: 'A request with this Idempotency-Key is still being processed.', suggestion: 'Wait a moment and retry with the same key to get its result.' },
      'zh-CN': { message: '使用此 Idempotency-Key 的请求仍在处理中。', suggestion: '请稍候，再用同一个键重试以获取结果。' },
      'zh-TW': { message: '使用此 Idempotency-Key 的請求仍在處理中。', suggestion: '請稍候，再用同一個鍵重試以取得結果。' },
    },
  },
  api_key_invalid: {
    status: 401,
    type: 'authentication_error',
    text: {
      en: { message: 'No valid API key was provided.', suggestion: 'Send your key as "Authorization: Bearer sk_test_…"; keys are shown once, when created.' },
      'zh-CN': { message: '未提供有效的 API 密钥。', suggestion: '请以 "Authorization: Bearer sk_test_…" 发送密钥；密钥只在创建时显示一次。' },
      'zh-TW': { message: '未提供有效的 API 金鑰。', suggestion: '請以 "Authorization: Bearer sk_test_…" 傳送金鑰；金鑰只在建立時顯示一次。' },
    },
  },
  permission_denied: {
    status: 403,
    type: 'permission_error',
    text: {
      en: { message: 'This key is not allowed to make this request.', suggestion: 'Use your secret key on your server; a publishable key only confirms, cancels or reads a payment with its client_secret.' },
      'zh-CN': { message: '此密钥无权执行该请求。', suggestion: '请在服务器端使用私钥；公钥只能凭 client_secret 确认、取消或查询付款。' },
      'zh-TW': { message: '此金鑰無權執行該請求。', suggestion: '請在伺服器端使用私密金鑰；公開金鑰只能憑 client_secret 確認、取消或查詢付款。' },
    },
  },
  api_key_inactive: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: { message: 'The API key {id} is already revoked, expired or rolled.', suggestion: 'List your keys to see which still work; roll or revoke a key that works, or create a new one.' },
      'zh-CN': { message: 'API 密钥 {id} 已被吊销、已过期或已轮换。', suggestion: '请列出密钥查看哪些仍可使用；只能轮换或吊销仍可使用的密钥，也可以新建一个。' },
      'zh-TW': { message: 'API 金鑰 {id} 已被撤銷、已過期或已輪換。', suggestion: '請列出金鑰查看哪些仍可使用；只能輪換或撤銷仍可使用的金鑰，也可以新建一個。' },
    },
  },
  api_key_last_secret: {
    status: 409,
    type: 'invalid_request_error',
    text: {
      en: {
        message: 'The API key {id} is the last secret key of this mode that keeps working; revoking it leaves no way to call the API.',
        suggestion: 'Roll the key instead to get a new one, create another secret key first, or send confirm_no_secret_key_left: true if you mean it (new keys then come only from `paypilot keys create`).',
      },
      'zh-CN': {
        message: 'API 密钥 {id} 是此模式下最后一个长期有效的私钥；吊销后将无法再调用 API。',
        suggestion: '请改为轮换此密钥以获得新密钥，或先新建一个私钥；如确需吊销，请发送 confirm_no_secret_key_left: true（之后只能通过 `paypilot keys create` 创建新密钥）。',
      },
      'zh-TW': {
        message: 'API 金鑰 {id} 是此模式下最後一個長期有效的私密金鑰；撤銷後將無法再呼叫 API。',
        suggestion: '請改為輪換此金鑰以取得新金鑰，或先新建一個私密金鑰；如確需撤銷，請傳送 confirm_no_secret_key_left: true（之後只能透過 `paypilot keys create` 建立新金鑰）。',
      },
    },
  },
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    text: {
      en: { message: 'Too many requests in a short time.', suggestion: 'Slow down and retry after the number of seconds in the Retry-After header.' },
      'zh-CN': { message: '短时间内请求过多。', suggestion: '请降低频率，并在 Retry-After 头所示秒数后重试。' },
      'zh-TW': { message: '短時間內請求過多。', suggestion: '請降低頻率，並在 Retry-After 標頭所示秒數後重試。' },
    },
  },
  internal_error: {
    status: 500,
    type: 'api_error',
    text: {
      en: { message: 'Something went wrong on our side. Nothing was charged twice.', suggestion: 'Retrieve the payment to see whether it went through, then retry with a new Idempotency-Key; if it persists, contact support with the request_id.' },
      'zh-CN': { message: '我们这边出了问题，不会重复扣款。', suggestion: '请先查询付款是否已完成，再使用新的 Idempotency-Key 重试；如持续出现，请携带 request_id 联系客服。' },
      'zh-TW': { message: '我們這邊發生問題，不會重複扣款。', suggestion: '請先查詢付款是否已完成，再使用新的 Idempotency-Key 重試；若持續發生，請附上 request_id 聯絡客服。' },
    },
  },
  service_unavailable: {
    status: 503,
    type: 'api_error',
    text: {
      en: { message: 'Paypilot is briefly unavailable.', suggestion: 'Retry in a few seconds with the same Idempotency-Key.' },
      'zh-CN': { message: 'Paypilot 暂时不可用。', suggestion: '请几秒后使用同一个 Idempotency-Key 重试。' },
      'zh-TW': { message: 'Paypilot 暫時無法使用。', suggestion: '請幾秒後使用同一個 Idempotency-Key 重試。' },
    },
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof errorCatalog;

/**
 * Why a card was declined. Each has its own payer-facing text; codes a payer
 * must not learn (lost or stolen cards, suspected fraud) show the generic one.
 */
export const declineCatalog = {
  generic_decline: {
    payerVisible: true,
    text: {
      en: { message: 'The card was declined.', suggestion: 'Try another card or payment method, or contact your bank.' },
      'zh-CN': { message: '银行卡被拒绝。', suggestion: '请换一张卡或其他支付方式，或联系发卡银行。' },
      'zh-TW': { message: '信用卡被拒絕。', suggestion: '請改用其他卡片或支付方式，或聯絡發卡銀行。' },
    },
  },
  insufficient_funds: {
    payerVisible: true,
    text: {
      en: { message: 'The card has insufficient funds.', suggestion: 'Try another card or payment method, or contact your bank.' },
      'zh-CN': { message: '银行卡余额不足。', suggestion: '请换一张卡或其他支付方式，或联系发卡银行。' },
      'zh-TW': { message: '卡片餘額不足。', suggestion: '請改用其他卡片或支付方式，或聯絡發卡銀行。' },
    },
  },
  card_velocity_exceeded: {
    payerVisible: true,
    text: {
      en: { message: 'The card has reached its spending limit.', suggestion: 'Try another card or payment method, or ask your bank to raise the limit.' },
      'zh-CN': { message: '银行卡已达到消费限额。', suggestion: '请换一张卡或其他支付方式，或联系银行提高额度。' },
      'zh-TW': { message: '卡片已達消費限額。', suggestion: '請改用其他卡片或支付方式，或聯絡銀行提高額度。' },
    },
  },
  lost_card: { payerVisible: false, text: null },
  stolen_card: { payerVisible: false, text: null },
  fraudulent: { payerVisible: false, text: null },
  do_not_honor: { payerVisible: false, text: null },
} as const;

export type DeclineCode = keyof typeof declineCatalog;

export function isDeclineCode(value: string): value is DeclineCode {
  return Object.hasOwn(declineCatalog, value);
}

export type ErrorDetails = Record<string, string | number | null | undefined>;

/** An operating error: a value the code handles and the API renders from the catalog. */
export class PaymentError extends Error {
  override name = 'PaymentError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  readonly param: string | null;
  readonly declineCode: DeclineCode | null;
  readonly paymentId: string | null;

  constructor(
    code: ErrorCode,
    options: { param?: string; details?: ErrorDetails; declineCode?: DeclineCode; paymentId?: string } = {},
  ) {
    super(code);
    this.code = code;
    this.param = options.param ?? null;
    this.details = { param: options.param, ...options.details };
    this.declineCode = options.declineCode ?? null;
    this.paymentId = options.paymentId ?? null;
  }
}

export function errorStatus(code: ErrorCode): number {
  return errorCatalog[code].status;
}

export function errorType(code: ErrorCode): ErrorType {
  return errorCatalog[code].type;
}

/**
 * Words the flows put in `{action}` and `{resource}`, in every language, so a
 * Chinese message never carries an English verb.
 */
const detailWords: Record<string, Record<Locale, string>> = {
  confirmed: { en: 'confirmed', 'zh-CN': '确认付款', 'zh-TW': '確認付款' },
  captured: { en: 'captured', 'zh-CN': '请款', 'zh-TW': '請款' },
  canceled: { en: 'canceled', 'zh-CN': '取消', 'zh-TW': '取消' },
  refunded: { en: 'refunded', 'zh-CN': '退款', 'zh-TW': '退款' },
  'verified with a one-time code': { en: 'verified with a one-time code', 'zh-CN': '验证一次性验证码', 'zh-TW': '驗證一次性驗證碼' },
  changing: { en: 'changing', 'zh-CN': '正在变更', 'zh-TW': '正在變更' },
  rated: { en: 'rated', 'zh-CN': '评价', 'zh-TW': '評價' },
  order: { en: 'order', 'zh-CN': '订单', 'zh-TW': '訂單' },
  'after-sales request': { en: 'after-sales request', 'zh-CN': '售后申请', 'zh-TW': '售後申請' },
  'decided on': { en: 'decided on', 'zh-CN': '处理', 'zh-TW': '處理' },
  fulfilled: { en: 'fulfilled', 'zh-CN': '发货', 'zh-TW': '出貨' },
  payment: { en: 'payment', 'zh-CN': '付款', 'zh-TW': '付款' },
  customer: { en: 'customer', 'zh-CN': '客户', 'zh-TW': '客戶' },
  refund: { en: 'refund', 'zh-CN': '退款', 'zh-TW': '退款' },
  'connector account': { en: 'connector account', 'zh-CN': '支付渠道账户', 'zh-TW': '支付渠道帳戶' },
  'API key': { en: 'API key', 'zh-CN': 'API 密钥', 'zh-TW': 'API 金鑰' },
  'webhook endpoint': { en: 'webhook endpoint', 'zh-CN': 'Webhook 端点', 'zh-TW': 'Webhook 端點' },
  event: { en: 'event', 'zh-CN': '事件', 'zh-TW': '事件' },
  updated: { en: 'updated', 'zh-CN': '修改', 'zh-TW': '修改' },
  'alert rule': { en: 'alert rule', 'zh-CN': '告警规则', 'zh-TW': '告警規則' },
  alert: { en: 'alert', 'zh-CN': '告警', 'zh-TW': '告警' },
  'team member': { en: 'team member', 'zh-CN': '团队成员', 'zh-TW': '團隊成員' },
  'loyalty programme': { en: 'loyalty programme', 'zh-CN': '积分计划', 'zh-TW': '點數方案' },
  coupon: { en: 'coupon', 'zh-CN': '优惠券', 'zh-TW': '優惠券' },
  'risk rule': { en: 'risk rule', 'zh-CN': '风控规则', 'zh-TW': '風控規則' },
  'blocklist entry': { en: 'blocklist entry', 'zh-CN': '黑名单条目', 'zh-TW': '黑名單項目' },
  review: { en: 'review', 'zh-CN': '人工审核', 'zh-TW': '人工審核' },
};
const translatedDetails = new Set(['action', 'resource', 'status']);

function fill(template: string, details: ErrorDetails, locale: Locale): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = details[name];
    if (value === undefined || value === null) return whole;
    const text = String(value);
    return translatedDetails.has(name) ? (detailWords[text]?.[locale] ?? text) : text;
  });
}

/** The payer-facing message and suggestion for a code (and a decline code), in one language. */
export function localizeError(
  code: ErrorCode,
  locale: Locale,
  details: ErrorDetails = {},
  declineCode: DeclineCode | null = null,
): LocalizedText {
  const declineText = declineCode ? declineCatalog[declineCode].text : null;
  const text = declineText ? declineText[locale] : errorCatalog[code].text[locale];
  return { message: fill(text.message, details, locale), suggestion: fill(text.suggestion, details, locale) };
}

/** What a payer (as opposed to the merchant) may be told about a decline. */
export function payerVisibleDeclineCode(declineCode: DeclineCode): DeclineCode {
  return declineCatalog[declineCode].payerVisible ? declineCode : 'generic_decline';
}

// Every catalog text must name only placeholders its own English text names, so no language leaks a `{x}`.
for (const [code, definition] of Object.entries(errorCatalog)) {
  const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
  const english = definition.text.en;
  for (const locale of ['zh-CN', 'zh-TW'] as const) {
    const other = definition.text[locale];
    const same =
      placeholders(english.message + english.suggestion).join() === placeholders(other.message + other.suggestion).join();
    if (!same) throw new Error(`error catalog: ${code} ${locale} names other placeholders than en`);
  }
}
