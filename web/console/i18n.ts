/**
 * Every text of the console's shell and of its own pages, in en, zh-CN and
 * zh-TW. Ant Design's and dayjs's own texts (pagination, date pickers) come
 * from their locales (locales.ts). `{name}` in a text is filled from `vars`.
 */
import { useConsoleLocale } from './locale-context.ts';
import type { ConsoleLocale, Localized } from './context.ts';

/** A text in the three languages, in the order en, zh-CN, zh-TW. */
export const l = (en: string, zhCN: string, zhTW: string): Localized => ({ en, 'zh-CN': zhCN, 'zh-TW': zhTW });

export const texts = {
  product: l('Paypilot console', 'Paypilot 商户控制台', 'Paypilot 商戶控制台'),
  loading: l('Loading…', '加载中…', '載入中…'),
  retry: l('Try again', '重试', '重試'),
  language: l('Language', '语言', '語言'),
  signOut: l('Sign out', '退出登录', '登出'),
  live: l('Live', '正式', '正式'),
  test: l('Test', '测试', '測試'),
  modeLabel: l('Data shown', '显示的数据', '顯示的資料'),
  testBanner: l('Test data: nothing here moves real money.', '测试数据：这里的操作不涉及真实资金。', '測試資料：這裡的操作不涉及真實資金。'),
  menu: l('Menu', '菜单', '選單'),
  notFound: l('This page does not exist.', '页面不存在。', '頁面不存在。'),
  reloadConsole: l('Reload the console', '重新加载控制台', '重新載入控制台'),
  pageLoadFailed: l('This page could not be loaded.', '页面加载失败。', '頁面載入失敗。'),
  forbidden: l('Your role does not allow this page.', '您的角色无权访问此页面。', '您的角色無權存取此頁面。'),
  backToOverview: l('Back to the start', '返回首页', '返回首頁'),
  timeZoneNote: l('Times in {zone}', '时间按 {zone} 显示', '時間依 {zone} 顯示'),
  signedInAs: l('Signed in as {email} ({role})', '当前登录：{email}（{role}）', '目前登入：{email}（{role}）'),

  // Menu entries.
  navOverview: l('Overview', '概览', '概覽'),
  navPayments: l('Payments', '支付', '支付'),
  navCustomers: l('Customers', '客户', '客戶'),
  navRisk: l('Risk', '风控', '風控'),
  navCancellations: l('Cancellations', '取消分析', '取消分析'),
  navChannels: l('Channels', '渠道', '通道'),
  navSegments: l('Segments', '客户分群', '客戶分群'),
  navAlerts: l('Alerts', '告警', '警示'),
  navAfterSales: l('After-sales', '售后', '售後'),
  navSupport: l('Support', '客服', '客服'),
  navFeedback: l('Feedback', '反馈', '回饋'),
  navCoupons: l('Coupons', '优惠券', '優惠券'),
  navExperiments: l('Experiments', '实验', '實驗'),
  navLoyalty: l('Loyalty', '积分', '點數'),
  navReconciliation: l('Reconciliation', '对账', '對帳'),
  navDevelopers: l('Developers', '开发者', '開發者'),
  navTeam: l('Team', '团队', '團隊'),
  navAudit: l('Audit log', '审计日志', '稽核日誌'),
  navSettings: l('Settings', '设置', '設定'),
  navAccount: l('My account', '我的账户', '我的帳戶'),

  // Roles.
  role_owner: l('Owner', '所有者', '擁有者'),
  role_admin: l('Admin', '管理员', '管理員'),
  role_developer: l('Developer', '开发者', '開發者'),
  role_operator: l('Operator', '运营', '營運'),
  role_support: l('Support', '客服', '客服'),
  role_analyst: l('Analyst', '分析师', '分析師'),

  // Sign-in.
  signInTitle: l('Sign in to the console', '登录控制台', '登入控制台'),
  email: l('Email', '邮箱', '電子郵件'),
  password: l('Password', '密码', '密碼'),
  merchantId: l('Merchant ID', '商户 ID', '商戶 ID'),
  merchantIdHelp: l('This email belongs to several merchants: enter the one to sign in to.', '该邮箱属于多个商户，请输入要登录的商户 ID。', '此電子郵件屬於多個商戶，請輸入要登入的商戶 ID。'),
  signIn: l('Sign in', '登录', '登入'),
  required: l('Required', '必填', '必填'),
  forgotPassword: l('Forgot password?', '忘记密码？', '忘記密碼？'),
  secondFactorTitle: l('Two-step verification', '两步验证', '兩步驟驗證'),
  secondFactorHelp: l('Enter the 6-digit code from your authenticator app.', '请输入身份验证器应用中的 6 位验证码。', '請輸入驗證器應用程式中的 6 位數驗證碼。'),
  authCode: l('Authentication code', '验证码', '驗證碼'),
  verify: l('Verify', '验证', '驗證'),
  useRecoveryCode: l('Use a recovery code instead', '改用恢复码', '改用復原碼'),
  useAuthCode: l('Use the authenticator app instead', '改用身份验证器', '改用驗證器'),
  recoveryCode: l('Recovery code', '恢复码', '復原碼'),
  recoveryCodeHelp: l('Each recovery code works once.', '每个恢复码只能使用一次。', '每個復原碼只能使用一次。'),
  back: l('Back', '返回', '返回'),
  forgotTitle: l('Reset your password', '重置密码', '重設密碼'),
  forgotHelp: l('We email a link to set a new password. It works once.', '我们会发送一封邮件，其中的链接可设置新密码，仅可使用一次。', '我們會寄送一封郵件，其中的連結可設定新密碼，僅能使用一次。'),
  sendLink: l('Email me a link', '发送链接', '寄送連結'),
  linkSent: l('If this email belongs to a member, a link is on its way.', '如果该邮箱属于某个成员，链接已发出。', '如果此電子郵件屬於某位成員，連結已寄出。'),
  setPasswordTitle: l('Choose your password', '设置密码', '設定密碼'),
  newPassword: l('New password', '新密码', '新密碼'),
  passwordHelp: l('At least 12 characters; a phrase of several words is easy to remember.', '至少 12 个字符；由几个词组成的短语更容易记住。', '至少 12 個字元；由幾個詞組成的短語更容易記住。'),
  confirmPassword: l('Repeat the password', '再次输入密码', '再次輸入密碼'),
  passwordsDiffer: l('The two passwords differ.', '两次输入的密码不一致。', '兩次輸入的密碼不一致。'),
  setPassword: l('Set password', '设置密码', '設定密碼'),
  passwordSet: l('Your password is set. Sign in with it now.', '密码已设置，请用它登录。', '密碼已設定，請用它登入。'),
  linkMissing: l('This link has no token. Open the link from the email again.', '该链接缺少令牌，请重新打开邮件中的链接。', '此連結缺少權杖，請重新開啟郵件中的連結。'),

  // Enrolment.
  enrolTitle: l('Turn on two-step verification', '开启两步验证', '開啟兩步驟驗證'),
  enrolRequired: l('Your role ({role}) requires a second factor before anything else.', '您的角色（{role}）须先开启第二重验证。', '您的角色（{role}）須先開啟第二重驗證。'),
  enrolOffered: l('A second factor protects your account even if your password leaks.', '即使密码泄露，第二重验证也能保护您的账户。', '即使密碼外洩，第二重驗證也能保護您的帳戶。'),
  enrolStart: l('Set up an authenticator app', '设置身份验证器', '設定驗證器'),
  enrolScan: l('Scan this code with an authenticator app (or type the key), then enter the code it shows.', '用身份验证器扫描此二维码（或手动输入密钥），然后输入其显示的验证码。', '用驗證器掃描此 QR 碼（或手動輸入金鑰），然後輸入其顯示的驗證碼。'),
  enrolQrAlt: l('QR code to add this account to an authenticator app', '将此账户添加到身份验证器的二维码', '將此帳戶加入驗證器的 QR 碼'),
  enrolKey: l('Key', '密钥', '金鑰'),
  enrolConfirm: l('Turn on', '开启', '開啟'),
  recoveryTitle: l('Your recovery codes', '您的恢复码', '您的復原碼'),
  recoveryHelp: l('Keep these ten codes somewhere safe: each signs you in once if you lose your phone. They are shown only now.', '请妥善保存这十个恢复码：手机丢失时每个可登录一次。它们只显示这一次。', '請妥善保存這十個復原碼：手機遺失時每個可登入一次。它們只顯示這一次。'),
  recoveryCopy: l('Copy the codes', '复制恢复码', '複製復原碼'),
  copied: l('Copied', '已复制', '已複製'),
  recoveryDone: l('I have saved them', '我已保存', '我已儲存'),
  twoFactorOn: l('Two-step verification is on since {date}.', '两步验证已于 {date} 开启。', '兩步驟驗證已於 {date} 開啟。'),
  twoFactorOff: l('Two-step verification is off.', '两步验证未开启。', '兩步驟驗證未開啟。'),
  twoFactorDisable: l('Turn off', '关闭', '關閉'),
  twoFactorDisabled: l('Two-step verification is off.', '两步验证已关闭。', '兩步驟驗證已關閉。'),
  languageSaved: l('Language saved', '语言已保存', '語言已儲存'),

  // Common words of pages.
  search: l('Search', '搜索', '搜尋'),
  reset: l('Reset', '重置', '重設'),
  exportCsv: l('Export CSV', '导出 CSV', '匯出 CSV'),
  nextPage: l('Next page', '下一页', '下一頁'),
  firstPage: l('First page', '第一页', '第一頁'),
  noData: l('Nothing to show', '暂无数据', '暫無資料'),
  cancel: l('Cancel', '取消', '取消'),
  confirm: l('Confirm', '确认', '確認'),
  save: l('Save', '保存', '儲存'),
  saved: l('Saved', '已保存', '已儲存'),
  close: l('Close', '关闭', '關閉'),
  actions: l('Actions', '操作', '操作'),
  details: l('Details', '详情', '詳情'),
  created: l('Created', '创建时间', '建立時間'),
  status: l('Status', '状态', '狀態'),
  amount: l('Amount', '金额', '金額'),
  none: l('None', '无', '無'),
  yes: l('Yes', '是', '是'),
  no: l('No', '否', '否'),
} satisfies Record<string, Localized>;

export type TextKey = keyof typeof texts;

export type TextVars = Record<string, string | number>;

export function fill(text: string, vars?: TextVars): string {
  return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text;
}

export function translate(locale: ConsoleLocale, key: TextKey, vars?: TextVars): string {
  return fill(texts[key][locale], vars);
}

/** `t(key, vars)` in the member's language, for the shared texts above. */
export function useT(): (key: TextKey, vars?: TextVars) => string {
  const locale = useConsoleLocale();
  return (key, vars) => translate(locale, key, vars);
}

/** The same for a page's own table of texts (kept next to the page). */
export function useTexts<K extends string>(table: Record<K, Localized>): (key: K, vars?: TextVars) => string {
  const locale = useConsoleLocale();
  return (key, vars) => fill(table[key][locale], vars);
}
