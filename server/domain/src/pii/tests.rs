//! Valid samples and near-misses for every detector, and the masking rules.

use super::*;

/// A syntactically valid 18-digit ID from its first 17 digits, so tests can build near-misses
/// whose only fault is the one under test (e.g. an impossible date with a correct check digit).
fn with_check(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

const IDS: &[&str] =
    &["11010519491231002X", "44030419900307123X", "310115199912310014", "510108200002290041", "320502198506158763"];
const CARDS: &[&str] = &["6222021234567890128", "6217001234123412346", "622848001234567894", "4111111111111111"];

#[test]
fn resident_ids_valid() {
    for id in IDS {
        assert!(is_resident_id(id), "{id}");
    }
    assert!(is_resident_id("11010519491231002x"), "lower-case check x");
    assert!(is_resident_id("１１０１０５１９４９１２３１００２Ｘ"), "full-width");
    assert!(is_resident_id("110105 19491231 002X"), "spaced");
    assert!(is_resident_id("110105491231002"), "legacy 15 digits");
    assert_eq!(with_check("51010820000229004"), "510108200002290041");
}

#[test]
fn resident_id_near_misses() {
    assert!(!is_resident_id("110105194912310021"), "wrong check digit");
    assert!(!is_resident_id("310115199912310015"), "check digit off by one");
    assert!(!is_resident_id(&with_check("11010519990230001")), "19990230 does not exist");
    assert!(!is_resident_id(&with_check("11010519991301001")), "month 13");
    assert!(!is_resident_id(&with_check("11010519990001001")), "month 0");
    assert!(!is_resident_id(&with_check("51010819000229004")), "1900 was not a leap year");
    assert!(!is_resident_id(&with_check("11010518991231001")), "year before 1900");
    assert!(!is_resident_id("11010519491231002"), "17 digits");
    assert!(!is_resident_id("11010519491231002X1"), "19 characters");
    assert!(!is_resident_id("1101051949123100XX"), "X not only at the end");
    assert!(!is_resident_id("110105491331002"), "legacy with month 13");
    assert!(!is_resident_id("11010549123100"), "14 digits");
    assert!(!is_resident_id(""), "empty");
}

#[test]
fn bank_cards() {
    for c in CARDS {
        assert!(is_bank_card(c), "{c}");
        assert!(luhn_valid(c));
    }
    assert!(is_bank_card("6222 0212 3456 7890 128"));
    assert!(is_bank_card("６２２２０２１２３４５６７８９０１２８"));
    assert!(!is_bank_card("6222021234567890129"), "Luhn off by one");
    assert!(!is_bank_card("6222021234567890127"), "Luhn off by one, other way");
    assert!(!is_bank_card("378282246310005"), "Luhn-valid but 15 digits");
    assert!(!is_bank_card("62220212345678901280"), "20 digits");
    assert!(!luhn_valid(""));
    assert!(!luhn_valid("12a4"));
}

#[test]
fn mobiles() {
    for m in [
        "13800138000",
        "19912345678",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "86 13800138000",
        "008613800138000",
        "(+86)13800138000",
        "１３８００１３８０００",
        "＋８６ １３８－００１３－８０００",
    ] {
        assert!(is_mobile(m), "{m}");
        assert_eq!(normalize_mobile(m).len(), 11, "{m}");
    }
    assert!(!is_mobile("138001380001"), "12 digits");
    assert!(!is_mobile("1380013800"), "10 digits");
    assert!(!is_mobile("23800138000"), "2-prefixed");
    assert!(!is_mobile("12800138000"), "second digit 2");
    assert!(!is_mobile("10800138000"), "second digit 0");
    assert!(!is_mobile("8613800138001"[..12].as_ref()), "86 + 10 digits");
    assert!(!is_mobile("1380013800a"));
}

#[test]
fn normalisation_makes_spellings_equal() {
    let canon = "13800138000";
    for m in ["138 0013 8000", "１３８００１３８０００", "+86-138-0013-8000", "138\u{200B}0013\u{3000}8000"]
    {
        assert_eq!(normalize_mobile(m), canon, "{m}");
    }
    assert_eq!(normalize_id_number(" 11010519491231002x "), "11010519491231002X");
    assert_eq!(normalize_digits("６２２２－０２１２ ３４"), "622202123 4".replace(' ', ""));
    // A 13-digit number starting with 86 that is not a mobile is left alone.
    assert_eq!(normalize_mobile("8612345"), "8612345");
}

fn kinds(text: &str) -> Vec<(PiiKind, &str)> {
    scan(text).into_iter().map(|f| (f.kind, &text[f.start..f.end])).collect()
}

#[test]
fn scan_finds_each_kind_in_text() {
    let text = "客户张三，手机13800138000，身份证11010519491231002X，卡号6222021234567890128。";
    assert_eq!(
        kinds(text),
        vec![
            (PiiKind::Mobile, "13800138000"),
            (PiiKind::ResidentId, "11010519491231002X"),
            (PiiKind::BankCard, "6222021234567890128"),
        ]
    );
}

#[test]
fn scan_sees_through_layout() {
    assert_eq!(kinds("call +86 138 0013 8000 now"), vec![(PiiKind::Mobile, "+86 138 0013 8000")]);
    assert_eq!(kinds("tel:138-0013-8000."), vec![(PiiKind::Mobile, "138-0013-8000")]);
    assert_eq!(kinds("手机１３８００１３８０００"), vec![(PiiKind::Mobile, "１３８００１３８０００")]);
    assert_eq!(kinds("卡 6222 0212 3456 7890 128 谢谢"), vec![(PiiKind::BankCard, "6222 0212 3456 7890 128")]);
    assert_eq!(kinds("订单 12 13800138000"), vec![(PiiKind::Mobile, "13800138000")]);
    assert_eq!(kinds("ID:11010519491231002x;"), vec![(PiiKind::ResidentId, "11010519491231002x")]);
    assert_eq!(kinds("13800138000x"), vec![(PiiKind::Mobile, "13800138000x")]);
    assert_eq!(kinds("旧证110105491231002"), vec![(PiiKind::ResidentId, "110105491231002")]);
    assert_eq!(
        kinds("13800138000,13912345678"),
        vec![(PiiKind::Mobile, "13800138000"), (PiiKind::Mobile, "13912345678")]
    );
}

#[test]
fn scan_passes_near_misses() {
    let bad_date = with_check("11010519990230001");
    for text in [
        "手机138001380001",
        "手机23800138000",
        "身份证110105194912310021",
        bad_date.as_str(),
        "证号11010519491231002",
        "卡号6222021234567890129",
        "卡号62220212345678901280",
        "金额 1,380,013.80 元",
        "订单号20240101123456",
        "",
    ] {
        assert!(scan(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn scan_with_config() {
    let amex = "378282246310005";
    assert!(scan(amex).is_empty());
    let cfg = ScanConfig { card_min_len: 13, ..ScanConfig::default() };
    assert_eq!(scan_with(amex, &cfg).len(), 1);
    let no_mobile = ScanConfig { mobile: false, ..ScanConfig::default() };
    assert!(scan_with("13800138000", &no_mobile).is_empty());
}

#[test]
fn scan_is_bounded_on_long_runs() {
    let text = "7 ".repeat(50_000);
    assert!(scan(&text).is_empty());
}

#[test]
fn redact_hides_every_finding() {
    let text = "手机+86 13800138000 身份证11010519491231002X 卡6222021234567890128";
    let r = redact(text);
    assert_eq!(r, "手机138****8000 身份证1****************X 卡****0128");
    assert!(scan(&r).is_empty());
}

#[test]
fn masks() {
    assert_eq!(mask_mobile("13812345678"), "138****5678");
    assert_eq!(mask_mobile("+86 138 1234 5678"), "138****5678");
    assert_eq!(mask_mobile("123"), "****");
    assert_eq!(mask_id_number("11010519491231002x"), "1****************X");
    assert_eq!(mask_id_number("110105491231002"), "1*************2");
    assert_eq!(mask_id_number("abc"), "****");
    assert_eq!(mask_card("6222 0212 3456 7890 128"), "****0128");
    assert_eq!(mask_card("1234"), "****");
    assert_eq!(mask_name("张三"), "张*");
    assert_eq!(mask_name("张小三"), "张*三");
    assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    assert_eq!(mask_name("阿依古丽·买买提"), "阿******提");
    assert_eq!(mask_name("王"), "*");
    assert_eq!(mask_name(" John Smith "), "J***");
    assert_eq!(mask_name(""), "");
    assert_eq!(mask_value(PiiKind::Mobile, "13800138000"), "138****8000");
}

#[test]
fn address_masks_to_district() {
    assert_eq!(mask_address("北京市朝阳区建国路88号"), "北京市朝阳区****");
    assert_eq!(mask_address("浙江省杭州市西湖区文三路90号"), "浙江省杭州市西湖区****");
    assert_eq!(mask_address("新疆维吾尔自治区乌鲁木齐市天山区解放路1号"), "新疆维吾尔自治区乌鲁木齐市天山区****");
    assert_eq!(mask_address("四川省凉山彝族自治州木里藏族自治县乔瓦镇"), "四川省凉山彝族自治州木里藏族自治县****");
    assert_eq!(mask_address("河北省唐山市滦南县城关镇"), "河北省唐山市滦南县****");
    assert_eq!(mask_address("广东省东莞市长安镇锦厦村8号"), "广东省东莞市****");
    assert_eq!(mask_address("上海市某某小区3号楼"), "上海市某某****", "a compound is not a district");
    assert_eq!(mask_address("香港特别行政区九龙城区"), "香港特别行政区九龙城区****");
    assert_eq!(mask_address("长安镇5号"), "长安****");
    assert_eq!(mask_address("1 Main Street"), "1 Main****");
}

#[test]
fn aum_bands() {
    let b = DEFAULT_AUM_BOUNDS_YUAN;
    assert_eq!(aum_band(0, b), "<50K");
    assert_eq!(aum_band(-500, b), "<50K");
    assert_eq!(aum_band(4_999_999, b), "<50K");
    assert_eq!(aum_band(5_000_000, b), "50K-500K");
    assert_eq!(aum_band(49_999_999, b), "50K-500K");
    assert_eq!(aum_band(50_000_000, b), "500K-3M");
    assert_eq!(aum_band(300_000_000, b), "3M-10M");
    assert_eq!(aum_band(1_000_000_000, b), ">=10M");
    assert_eq!(aum_band(i64::MAX, b), ">=10M");
    assert_eq!(aum_band(100, &[1_500_000]), "<1.5M");
    assert_eq!(aum_band(100, &[]), "****");
}
