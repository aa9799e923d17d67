/**
 * The Chinese lexicon, simplified and traditional: words payers use about a
 * payment, each with a valence from −3 to +3. Every entry is written in
 * simplified characters; `traditionalVariant` derives its traditional
 * spelling from the character table below, so both scripts always carry the
 * same words. Intl.Segmenter (ICU's dictionary for Chinese) splits the
 * comment into words; a word not in the lexicon is looked at again as a
 * negator, degree adverb or lexicon word followed by the rest ("太慢" is
 * 太 + 慢, "不方便" is 不 + 方便), because ICU keeps such pairs together.
 */
export const chineseValenceSimplified: Readonly<Record<string, number>> = {
  // Positive.
  好: 2, 很好: 2, 不错: 2, 挺好: 2, 满意: 2, 方便: 2, 便捷: 2, 快: 2, 快速: 2, 迅速: 2, 很快: 2, 顺利: 2, 顺畅: 2, 流畅: 2,
  简单: 2, 简单明了: 2, 清楚: 1, 清晰: 1, 省心: 2, 放心: 2, 安全: 2, 可靠: 2, 靠谱: 2, 喜欢: 2, 推荐: 2, 赞: 3, 点赞: 3,
  棒: 3, 优秀: 3, 完美: 3, 好用: 2, 实惠: 2, 便宜: 1, 划算: 2, 合理: 1, 谢谢: 2, 感谢: 2, 满分: 3, 省事: 2, 高效: 2, 及时: 1,
  一次成功: 2, 成功: 1, 秒到: 2, 秒付: 2, 爽: 2, 开心: 2, 友好: 2, 贴心: 2, 专业: 2, 信任: 1, 信赖: 2, 解决: 1, 正常: 1,
  舒服: 2, 轻松: 2, 给力: 3, 还行: 0.5, 可以: 0.5, 挺快: 2, 好评: 3, 直观: 2,
  // Negative.
  差: -2, 很差: -3, 太差: -3, 垃圾: -3, 坑: -2, 坑人: -3, 慢: -2, 很慢: -2, 太慢: -3, 卡: -2, 卡顿: -2, 卡住: -2, 卡死: -3,
  等: -1, 等待: -1, 半天: -2, 好久: -2, 很久: -2, 转圈: -2, 超时: -2, 失败: -2, 拒绝: -2, 被拒: -2, 拒付: -2, 扣款: -1, 扣了: -1,
  错误: -2, 报错: -2, 出错: -2, 故障: -2, 崩溃: -3, 闪退: -3, 白屏: -2, 黑屏: -2, 打不开: -2, 没反应: -2, 无响应: -2, bug: -2,
  麻烦: -2, 复杂: -2, 繁琐: -2, 看不懂: -2, 不懂: -1, 困惑: -2, 迷惑: -2, 混乱: -2, 乱: -1, 难用: -2, 难: -1, 不方便: -2,
  贵: -2, 太贵: -2, 昂贵: -2, 手续费: -1, 收费: -1, 乱收费: -3, 不值: -2, 骗: -3, 骗子: -3, 诈骗: -3, 骗局: -3, 可疑: -2,
  不安全: -2, 担心: -2, 害怕: -2, 不放心: -2, 怀疑: -2, 不靠谱: -3, 失望: -2, 生气: -3, 烦: -2, 烦人: -2, 郁闷: -2, 无语: -2,
  问题: -1.5, 毛病: -2, 重复: -1, 两次: -1, 多扣: -3, 退款: -1, 不退: -2, 没到账: -2, 投诉: -2, 糟糕: -3, 糟: -2, 恶心: -3,
  难受: -2, 崩: -2, 吐槽: -2, 不行: -2, 无法: -2, 不了: -1, 不能: -1, 折腾: -2, 浪费: -2, 离谱: -3, 一般: -0.5, 凑合: -0.5, 差劲: -3,
  拖: -1, 慢吞吞: -2, 延迟: -2, 不稳定: -2, 不清楚: -2, 隐藏: -2, 泄露: -3, 再也不: -2, 不合理: -2, 太高: -2, 高: -1,
  不会再: -2, 钓鱼: -2, 异常: -2, 傻眼: -2, 顺: 2, 明了: 2, 友善: 2,
  // Words of payments that mean nothing good or bad, listed so that their characters are not read as words of their own
  // (the 卡 of 信用卡 is not "stuck").
  信用卡: 0, 银行卡: 0, 借记卡: 0, 金融卡: 0, 刷卡: 0, 卡号: 0, 会员卡: 0, 礼品卡: 0, 余额: 0, 等级: 0, 好几: 0, 好像: 0,
};

/** Characters that turn the polarity of what follows (不快, 没成功, 别买). */
export const chineseNegatorsSimplified: readonly string[] = ['不', '没', '没有', '别', '未', '无', '不是', '并不', '从不', '从没', '不太', '还没', '一直没', '都没'];

/** Degree adverbs that strengthen what follows. */
export const chineseIntensifiersSimplified: readonly string[] = ['很', '太', '非常', '特别', '超', '超级', '真', '真的', '好', '挺', '十分', '极', '极其', '相当', '巨', '贼', '实在', '有点', '比较'];

/** Words after which the payer's real opinion usually comes. */
export const chineseContrastsSimplified: readonly string[] = ['但是', '但', '可是', '不过', '然而', '就是', '只是'];

/**
 * Simplified → traditional for every character the lexicons and topic
 * keywords use that differs between the scripts (one-to-one here: the
 * ambiguous ones such as 发/發/髮 only occur in their payment sense).
 */
export const traditionalOf: Readonly<Record<string, string>> = Object.fromEntries(
  [
    '们們', '这這', '个個', '来來', '说說', '时時', '为為', '过過', '还還', '没沒', '钱錢', '价價', '贵貴', '话話', '电電', '账賬', '单單',
    '户戶', '银銀', '码碼', '页頁', '网網', '络絡', '关關', '开開', '买買', '卖賣', '费費', '应應', '该該', '让讓', '给給', '错錯', '误誤',
    '问問', '题題', '无無', '实實', '际際', '杂雜', '简簡', '点點', '击擊', '确確', '认認', '验驗', '证證', '显顯', '示示', '体體', '现現',
    '订訂', '务務', '后後', '处處', '经經', '历歷', '难難', '虽雖', '样樣', '头頭', '对對', '谢謝', '满滿', '觉覺', '种種', '发發', '动動',
    '顺順', '畅暢', '清清', '晰晰', '优優', '秀秀', '赞讚', '惠惠', '划劃', '专專', '业業', '赖賴', '解解', '决決', '轻輕', '松鬆', '评評',
    '观觀', '顿頓', '转轉', '圈圈', '败敗', '拒拒', '扣扣', '报報', '故故', '障障', '溃潰', '闪閃', '屏屏', '应應', '烦煩', '复複', '琐瑣',
    '惑惑', '乱亂', '值值', '骗騙', '诈詐', '疑疑', '担擔', '怀懷', '望望', '闷悶', '语語', '毛毛', '两兩', '到到', '诉訴', '糟糟', '恶惡',
    '吐吐', '槽槽', '腾騰', '费費', '谱譜', '凑湊', '劲勁', '吞吞', '迟遲', '稳穩', '泄洩', '露露', '别別', '从從', '一一', '极極', '级級',
    '相相', '巨巨', '贼賊', '较較', '但但', '然然', '只只', '扫掃', '绑綁', '换換', '输輸', '码碼', '帐帳', '结結', '宝寶', '微微',
    '选選', '择擇', '项項', '额額', '收收', '续續', '优優', '惠惠', '券券', '卡卡', '钟鐘', '载載', '刷刷', '新新', '页頁', '冲衝', '线線',
    '预預', '财財', '权權', '诚誠', '隐隱', '私私', '钓釣', '鱼魚', '权權', '险險', '该該', '纳納', '联聯', '归歸', '统統', '还還', '款款',
    '码碼', '么麼', '怎怎', '弹彈', '窗窗', '跳跳', '术術', '设設', '计計', '导導', '读讀', '懂懂', '异異', '常常', '卡卡', '盗盜', '刷刷',
    '绝絕', '挂掛', '厉厲', '坏壞', '烂爛', '气氣', '恼惱', '损損', '赚賺', '骂罵', '饿餓', '惊驚', '态態',
  '机機', '载載', '钟鐘', '级級', '际際', '边邊', '进進', '还還', '帮幫', '给給', '请請', '谁誰', '够夠', '东東', '车車', '门門', '间間', '问問',
  '闻聞', '长長', '书書', '见見', '觉覺', '记記', '让讓', '说說', '读讀', '写寫', '传傳', '会會', '众眾', '么麼', '当當', '尽盡', '惯慣', '虑慮',
  '围圍', '图圖', '园園', '国國', '广廣', '庆慶', '应應', '张張', '强強', '归歸', '录錄', '彻徹', '忆憶', '态態', '总總', '恼惱', '惊驚', '战戰',
  '户戶', '护護', '报報', '择擇', '换換', '据據', '拥擁', '数數', '断斷', '无無', '时時', '显顯', '晓曉', '来來', '杂雜', '条條', '极極', '构構',
  '档檔', '检檢', '欢歡', '气氣', '汇匯', '没沒', '决決', '况況', '准準', '净淨', '减減', '这這', '运運', '过過', '选選', '递遞', '邮郵', '释釋',
  '里裡', '钱錢', '银銀', '错錯', '键鍵', '问問', '闭閉', '陆陸', '险險', '随隨', '难難', '页頁', '项項', '顺順', '须須', '额額', '风風', '饭飯',
  '马馬', '验驗', '体體', '么麼', '们們', '个個', '为為', '乐樂', '买買', '乱亂', '亲親', '从從', '仓倉', '价價', '优優', '伤傷', '众眾', '货貨',
  '质質', '贵貴', '费費', '资資', '赏賞', '赔賠', '账賬', '转轉', '软軟', '较較', '辑輯', '输輸', '达達', '迟遲', '订訂', '认認', '让讓', '讯訊',
  '设設', '证證', '评評', '试試', '话話', '该該', '详詳', '语語', '误誤', '请請', '读讀', '谢謝', '简簡', '签簽', '类類', '紧緊', '约約', '级級',
  '纸紙', '线線', '细細', '终終', '经經', '结結', '给給', '络絡', '统統', '继繼', '续續', '维維', '网網', '罗羅', '联聯', '节節', '获獲', '处處',
  '视視', '观觀', '规規', '讲講', '论論', '识識', '难難', '预預', '领領', '频頻', '鲜鮮', '点點', '单單', '卖賣', '历歷', '厅廳', '双雙', '发發',
  '变變', '号號', '后後', '听聽', '员員', '响響', '团團', '场場', '块塊', '坏壞', '声聲', '处處', '备備', '复複', '头頭', '奖獎', '妈媽', '实實',
  '宝寶', '将將', '对對', '导導', '层層', '币幣', '师師', '带帶', '帐帳', '并並', '开開', '异異', '弃棄', '录錄', '彩彩', '总總', '惠惠',
  ].map((pair) => [pair[0] as string, pair[1] as string]),
);

export function traditionalVariant(simplified: string): string {
  let out = '';
  for (const character of simplified) out += traditionalOf[character] ?? character;
  return out;
}

/** The traditional words that are not also simplified ones, with `entries`' values. */
export function withTraditional<T>(entries: Readonly<Record<string, T>>): Record<string, T> {
  const both: Record<string, T> = { ...entries };
  for (const [word, value] of Object.entries(entries)) {
    const traditional = traditionalVariant(word);
    if (!(traditional in both)) both[traditional] = value;
  }
  return both;
}

/** Traditional-only words payers in Taiwan and Hong Kong use, not spellings of simplified ones. */
const traditionalOnlyValence: Readonly<Record<string, number>> = {
  金融卡: 0, 悠遊卡: 0, 讚: 3, 很讚: 3, 超讚: 3, 好棒: 3, 順: 2, 超慢: -3, 龜速: -3, 爛: -3, 很爛: -3, 超爛: -3, 鳥: -2, 當機: -3, 卡卡: -2, 傻眼: -2, 扯: -2,
  很扯: -2, 太扯: -3, 貴鬆鬆: -3, 划算: 2, 方便: 2, 詐騙: -3, 可怕: -2, 擔心: -2, 麻煩: -2, 難用: -2, 好用: 2, 推: 2, 大推: 3,
};

export const chineseValence: Readonly<Record<string, number>> = { ...withTraditional(chineseValenceSimplified), ...traditionalOnlyValence };
export const chineseNegators: ReadonlySet<string> = new Set(Object.keys(withTraditional(Object.fromEntries(chineseNegatorsSimplified.map((w) => [w, 1])))));
export const chineseIntensifiers: ReadonlySet<string> = new Set(Object.keys(withTraditional(Object.fromEntries(chineseIntensifiersSimplified.map((w) => [w, 1])))));
export const chineseContrasts: ReadonlySet<string> = new Set(Object.keys(withTraditional(Object.fromEntries(chineseContrastsSimplified.map((w) => [w, 1])))));
