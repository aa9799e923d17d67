/**
 * Which language a payer's comment is written in: English, or Chinese in
 * simplified (zh-CN) or traditional (zh-TW) characters. A comment with Han
 * characters is Chinese; its script is decided by counting characters that
 * exist only in one of the two scripts (the common ones that differ), and a
 * tie (text written with characters shared by both) is simplified, the
 * script most payers use. Anything else with Latin letters is English;
 * text with neither (emoji, digits) is `und` (undetermined).
 */
export const commentLanguages = ['en', 'zh-CN', 'zh-TW', 'und'] as const;
export type CommentLanguage = (typeof commentLanguages)[number];

const hanPattern = /\p{Script=Han}/u;
const latinPattern = /\p{Script=Latin}/u;

/**
 * Pairs of characters that differ between the scripts, frequent in payment
 * comments: each simplified character above its traditional counterpart.
 */
const simplifiedOnly = new Set([...'们这个来说时为过还没钱价贵话电账单户银卡码页网络关开买卖费应该让给错误问题无实际复杂简点击确认验证显示体现订务后处理经历务难虽样头对谢满觉种现发动']);
const traditionalOnly = new Set([...'們這個來說時為過還沒錢價貴話電賬單戶銀卡碼頁網絡關開買賣費應該讓給錯誤問題無實際複雜簡點擊確認驗證顯示體現訂務後處理經歷務難雖樣頭對謝滿覺種現發動']);
// Characters written alike in both scripts would tell nothing: each set keeps only its own.
for (const character of [...simplifiedOnly]) {
  if (traditionalOnly.has(character)) {
    simplifiedOnly.delete(character);
    traditionalOnly.delete(character);
  }
}

export function detectLanguage(text: string): CommentLanguage {
  if (hanPattern.test(text)) {
    let simplified = 0;
    let traditional = 0;
    for (const character of text) {
      if (simplifiedOnly.has(character)) simplified += 1;
      else if (traditionalOnly.has(character)) traditional += 1;
    }
    return traditional > simplified ? 'zh-TW' : 'zh-CN';
  }
  return latinPattern.test(text) ? 'en' : 'und';
}
