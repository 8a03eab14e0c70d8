/*
 * bench_text.c — throughput of the text pipeline.
 *
 * Generates about 1 MB of Japanese business text (a fixed xorshift PRNG,
 * so every run sees the same text): ordinary ministry mail — dates, amounts,
 * document and order numbers, times, letterheads, full-width digits — with
 * personal data scattered in about one line in forty.  Prints MB/s, best of
 * a few runs, for:
 *   1. the whole pipeline, textscan_run (normalize, unescape, the detectors);
 *   2. one PCRE2-JIT pass of a plain phone pattern over the same text, the
 *      floor any regex-based scan pays, twice: as pcre2_match() does it by
 *      default (PCRE2_UTF checks the subject's UTF-8 once), and with
 *      PCRE2_NO_UTF_CHECK (matching alone — the strictest floor);
 * the ratios, and a breakdown (normalize alone, unescape alone, the
 * detectors together as the pipeline runs them — det_text_begin: the digit
 * clusters found once for all — each detector alone on the normalized text,
 * each walking the text for its own clusters, and the table pass of
 * detect/table.c).
 * Times are the thread's CPU time, so that other work on
 * the machine (a shared build host) changes the figures little.
 * MeCab (the names detector's tagger) is measured apart: over every line of
 * the same text, as it would cost without the names prefilter, and the
 * names detector on a list of 2,000 made-up people, where every row is a
 * candidate and MeCab parses each.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <mecab.h>

#include "detect/detector.h"
#include "detect/table.h"
#include "text/normalize.h"
#include "text/unescape.h"
#include "text/textscan.h"
#include "detect/valueset.h"
#include "bench_clock.h"

#define TARGET_BYTES (1024 * 1024)
#define RUNS 7

static const char floor_pattern[] = "(?<![0-9])0[0-9]{1,4}-[0-9]{1,4}-[0-9]{4}(?![0-9])";

struct gen {
	char *p;
	size_t len, cap;
	uint64_t rng;
};

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static void put(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (g->cap - g->len < 1024) {
		g->cap *= 2;
		g->p = realloc(g->p, g->cap);
		if (g->p == NULL)
			abort();
	}
	va_start(ap, fmt);
	n = vsnprintf(g->p + g->len, g->cap - g->len, fmt, ap);
	va_end(ap);
	g->len += (size_t)n;
}

static const char *const sentences[] = {
	"お世話になっております。",
	"標記の件について、下記のとおりご連絡いたします。",
	"令和7年度予算概算要求に係る資料を送付しますので、ご確認ください。",
	"ご多忙のところ恐縮ですが、よろしくお願いいたします。",
	"本件に関するお問い合わせは、担当までお願いします。",
	"会議は本館第3会議室（8階）にて開催する予定です。",
	"添付資料をご参照のうえ、ご意見をお寄せください。",
	"各課室におかれましては、期限までにご提出願います。",
	"なお、詳細は別紙のとおりです。",
	"システムのメンテナンスに伴い、サービスを一時停止します。",
	"データベース・サーバーの更新作業について報告します。",
	"プロジェクトの進捗状況は概ね計画どおりです。",
	"※資料の取扱いには十分ご注意ください。",
	"前回の議事録（案）を送付いたします。",
	"関係省庁との調整結果について、以下のとおり共有します。",
	"「行政手続における特定の個人を識別するための番号の利用等に関する法律」の改正について",
	"ＤＸ推進計画の見直し案について、御意見を伺います。",
	"（株）サンプル商事の担当者と打合せを行いました。",
	"承知いたしました。引き続きよろしくお願いいたします。",
	"以上、取り急ぎご報告まで。",
};

static void ordinary(struct gen *g)
{
	switch (pick(g, 12)) {
	case 0:
		put(g, "令和%u年%u月%u日（%s）に開催します。", 6 + pick(g, 2), 1 + pick(g, 12),
		    1 + pick(g, 28), "火");
		break;
	case 1:
		put(g, "期限：%u/%02u/%02u 17:00まで", 2024 + pick(g, 2), 1 + pick(g, 12), 1 + pick(g, 28));
		break;
	case 2:
		put(g, "予算額は%u,%03u,%03u円（前年度比%u.%u%%）です。", 1 + pick(g, 999),
		    pick(g, 1000), pick(g, 1000), 90 + pick(g, 20), pick(g, 10));
		break;
	case 3:
		put(g, "府政第%u-%u号（%u年%u月%u日付）", pick(g, 900) + 100, pick(g, 99) + 1,
		    2024, 1 + pick(g, 12), 1 + pick(g, 28));
		break;
	case 4:
		put(g, "注文番号 %u%06u%06u を確認しました。", 1 + pick(g, 9), pick(g, 1000000),
		    pick(g, 1000000));
		break;
	case 5:
		put(g, "〒100-8914 東京都千代田区永田町1-6-1 内閣府");
		break;
	case 6:
		put(g, "受付時間 %u:%02u～%u:%02u（土日祝を除く）", 9, 0, 17, 30);
		break;
	case 7:
		put(g, "参加者は%s名、資料は第%s版です。", pick(g, 2) ? "３５" : "42", "２");
		break;
	case 8:
		put(g, "ver.%u.%u.%u へ更新、チケット #%u を参照。", pick(g, 9), pick(g, 20),
		    pick(g, 100), 10000 + pick(g, 90000));
		break;
	case 9:
		put(g, "文書番号 %04u-%04u-%04u-%u", pick(g, 10000), pick(g, 10000), pick(g, 10000),
		    pick(g, 10));
		break;
	default:
		put(g, "%s", sentences[pick(g, sizeof(sentences) / sizeof(sentences[0]))]);
		break;
	}
}

/* A 12-digit number with a valid My Number check digit. */
static void my_number(struct gen *g, char d[13])
{
	static const int w[11] = { 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	int r = 0;

	for (int i = 0; i < 11; i++) {
		d[i] = (char)('0' + pick(g, 10));
		r += (d[i] - '0') * w[i];
	}
	r %= 11;
	d[11] = (char)('0' + (r <= 1 ? 0 : 11 - r));
	d[12] = '\0';
}

/* A 16-digit Visa number passing Luhn. */
static void card(struct gen *g, char d[17])
{
	int sum = 0;

	d[0] = '4';
	for (int i = 1; i < 15; i++)
		d[i] = (char)('0' + pick(g, 10));
	for (int i = 0; i < 15; i++) {
		int v = d[14 - i] - '0';
		if (i % 2 == 0 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	d[15] = (char)('0' + (10 - sum % 10) % 10);
	d[16] = '\0';
}

static void personal(struct gen *g)
{
	char d[17];

	switch (pick(g, 7)) {
	case 0:
		put(g, "担当：山田（TEL ０３－%04u－%04u、携帯 090-%04u-%04u）", pick(g, 10000),
		    pick(g, 10000), pick(g, 10000), pick(g, 10000));
		break;
	case 1:
		put(g, "連絡先 user%u.sample@example.co.jp まで", pick(g, 100000));
		break;
	case 2:
		my_number(g, d);
		put(g, "マイナンバー：%.4s %.4s %.4s", d, d + 4, d + 8);
		break;
	case 3:
		card(g, d);
		put(g, "カード番号 %.4s-%.4s-%.4s-%.4s", d, d + 4, d + 8, d + 12);
		break;
	case 4:
		put(g, "住所：〒%03u-%04u 神奈川県横浜市中区日本大通%u", pick(g, 1000),
		    pick(g, 10000), 1 + pick(g, 50));
		break;
	case 5:
		put(g, "生年月日：昭和%u年%u月%u日", 30 + pick(g, 30), 1 + pick(g, 12), 1 + pick(g, 28));
		break;
	default:
		put(g, "電話 0%u-%u-%04u（内線%u）", 465, 10 + pick(g, 90), pick(g, 10000),
		    pick(g, 9000) + 1000);
		break;
	}
}

static char *generate(size_t *len)
{
	struct gen g = { .cap = TARGET_BYTES + 4096, .rng = 0x9E3779B97F4A7C15ULL };

	g.p = malloc(g.cap);
	if (g.p == NULL)
		abort();
	while (g.len < TARGET_BYTES) {
		unsigned n = 1 + pick(&g, 4);
		for (unsigned i = 0; i < n; i++) {
			if (pick(&g, 40) == 0)
				personal(&g);
			else
				ordinary(&g);
		}
		put(&g, pick(&g, 8) == 0 ? "\r\n\r\n" : "\r\n");
	}
	*len = g.len;
	memset(g.p + g.len, 0, g.cap - g.len);	/* JIT SIMD reads past the end */
	return g.p;
}

static double now(void)
{
	return bench_seconds(CLOCK_THREAD_CPUTIME_ID);
}

static double mbps(size_t len, double secs)
{
	return (double)len / (1024.0 * 1024.0) / secs;
}

/* Best time of RUNS whole-pipeline runs; counts findings of the last. */
static double time_pipeline(const struct textscan *ts, const char *text, size_t len,
    size_t counts[FT_COUNT])
{
	double best = 1e9;

	for (int r = 0; r < RUNS; r++) {
		struct valueset *sets[FT_COUNT];
		double t0;

		for (int t = 0; t < FT_COUNT; t++)
			sets[t] = valueset_new();
		t0 = now();
		if (textscan_run(ts, text, len, sets) < 0)
			abort();
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
		for (int t = 0; t < FT_COUNT; t++) {
			counts[t] = valueset_count(sets[t]);
			valueset_free(sets[t]);
		}
	}
	return best;
}

/* Best time of RUNS passes of the floor pattern; opts0 are the options of
 * the first pcre2_match call (later calls skip the UTF check: PCRE2 checks
 * from the start offset to the end, so once is enough). */
static double time_floor(const char *text, size_t len, uint32_t opts0, size_t *matches)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)floor_pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF, &code, &off, NULL);
	double best = 1e9;

	if (re == NULL || pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0)
		abort();
	for (int r = 0; r < RUNS; r++) {
		double t0 = now();
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
		PCRE2_SIZE at = 0;
		uint32_t opts = opts0;

		*matches = 0;
		while (pcre2_match(re, (PCRE2_SPTR)text, len, at, opts, md, NULL) > 0) {
			at = pcre2_get_ovector_pointer(md)[1];
			opts = PCRE2_NO_UTF_CHECK;
			(*matches)++;
		}
		pcre2_match_data_free(md);
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
	}
	pcre2_code_free(re);
	return best;
}

/* Normalize alone, and each detector alone over the normalized text. */
static void breakdown(const char *text, size_t len)
{
	double best = 1e9;
	size_t nlen = 0;
	char *norm = NULL, err[256];

	for (int r = 0; r < RUNS; r++) {
		double t0 = now();
		free(norm);
		norm = normalize_text(text, len, &nlen);
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
	}
	printf("  normalize        %8.1f MB/s\n", mbps(len, best));
	best = 1e9;
	for (int r = 0; r < RUNS; r++) {
		char *copy = malloc(nlen + 65);
		double t0;
		if (copy == NULL)
			abort();
		memcpy(copy, norm, nlen + 65);
		t0 = now();
		(void)unescape_text(copy, nlen);
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
		free(copy);
	}
	printf("  unescape         %8.1f MB/s\n", mbps(nlen, best));
	{
		void *st[FT_COUNT];

		for (int t = 0; t < FT_COUNT; t++)
			if ((st[t] = detectors[t]->init(err, sizeof(err))) == NULL)
				abort();
		best = 1e9;
		for (int r = 0; r < RUNS; r++) {
			struct valueset *vs[FT_COUNT];
			double t0;

			for (int t = 0; t < FT_COUNT; t++)
				vs[t] = valueset_new();
			t0 = now();
			det_text_begin(norm, nlen);
			for (int t = 0; t < FT_COUNT; t++)
				detectors[t]->scan(st[t], norm, nlen, vs[t]);
			det_text_end();
			t0 = now() - t0;
			best = t0 < best ? t0 : best;
			for (int t = 0; t < FT_COUNT; t++)
				valueset_free(vs[t]);
		}
		printf("  %-16s %8.1f MB/s  (all of them, the digit clusters shared)\n", "detectors",
		    mbps(nlen, best));
		for (int t = 0; t < FT_COUNT; t++)
			detectors[t]->free(st[t]);
	}
	for (int t = 0; t < FT_COUNT; t++) {
		void *st = detectors[t]->init(err, sizeof(err));
		if (st == NULL)
			abort();
		best = 1e9;
		for (int r = 0; r < RUNS; r++) {
			struct valueset *vs = valueset_new();
			double t0 = now();
			detectors[t]->scan(st, norm, nlen, vs);
			t0 = now() - t0;
			best = t0 < best ? t0 : best;
			valueset_free(vs);
		}
		printf("  %-16s %8.1f MB/s\n", finding_type_name(t), mbps(nlen, best));
		detectors[t]->free(st);
	}
	best = 1e9;
	for (int r = 0; r < RUNS; r++) {
		struct table_text tt[FT_COUNT] = { { 0 } };
		struct valueset *sets[FT_COUNT] = { NULL };
		double t0 = now();
		(void)table_context(norm, nlen, tt, sets);
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
		table_text_free(tt);
	}
	printf("  %-16s %8.1f MB/s\n", "tables", mbps(nlen, best));
	free(norm);
}

/* MeCab over every line of text (the normalized bench text), best of
 * RUNS: what the names detector would cost without its prefilter. */
static double time_mecab(const char *text, size_t len)
{
	mecab_model_t *model = mecab_model_new2("-d /var/lib/mecab/dic/ipadic-utf8");
	mecab_t *tagger = model ? mecab_model_new_tagger(model) : NULL;
	mecab_lattice_t *lat = model ? mecab_model_new_lattice(model) : NULL;
	double best = 1e9;

	if (!tagger || !lat)
		abort();
	for (int r = 0; r < RUNS; r++) {
		double t0 = now();

		for (const char *p = text, *end = text + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

			mecab_lattice_set_sentence2(lat, p, n);
			(void)mecab_parse_lattice(tagger, lat);
			p += n + 1;
		}
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
	}
	mecab_lattice_destroy(lat);
	mecab_destroy(tagger);
	mecab_model_destroy(model);
	return best;
}

/* The names detector on a staff list: "姓 名<TAB>所属<TAB>電話" rows of
 * made-up people (common surnames and given names combined). */
static void bench_names_list(void)
{
	static const char *const sei[] = { "山田", "佐藤", "鈴木", "高橋", "田中", "伊藤",
		"渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上", "木村", "林",
		"清水", "山崎", "森", "池田" };
	static const char *const mei[] = { "太郎", "花子", "一郎", "美咲", "健太", "由美",
		"翔", "愛", "大輔", "恵", "拓也", "和子", "直樹", "真央", "亮", "優子", "学",
		"彩", "誠", "千尋", "浩二", "陽子", "茂", "明美", "修", "智子", "博", "美穂",
		"正樹", "裕子", "達也", "京子", "健一", "直美", "隆", "久美子", "聡", "由紀",
		"剛", "幸子", "実", "恵子", "勇", "洋子", "豊", "明", "純一", "香織", "誠一",
		"真由美", "勝", "早苗", "徹", "悦子", "進", "理恵", "弘", "順子", "哲也", "典子",
		"雅之", "朋子", "浩", "恵美", "修一", "和也", "美香", "秀樹", "綾", "大樹",
		"舞", "翔太", "沙織", "拓海", "愛子", "陸", "結衣", "蓮", "美穂子", "一樹",
		"奈々", "大和", "彩香", "健", "麻衣", "陽介", "里美", "光", "瞳", "智也",
		"明子", "涼", "香", "悟", "千秋", "守", "恭子", "誠二", "春香", "直人" };
	const size_t nsei = sizeof(sei) / sizeof(sei[0]), nmei = sizeof(mei) / sizeof(mei[0]);
	struct gen g = { .cap = 1 << 20 };
	char err[256];
	void *st = detectors[FT_NAMES]->init(err, sizeof(err));
	double best = 1e9;
	size_t found = 0;

	if (!(g.p = malloc(g.cap)) || !st)
		abort();
	for (size_t i = 0; i < 2000; i++)
		put(&g, "%s %s\t総務課\t090-%04zu-%04zu\n", sei[i % nsei], mei[(i / nsei) % nmei],
		    i, 9999 - i);
	for (int r = 0; r < RUNS; r++) {
		struct valueset *vs = valueset_new();
		double t0 = now();

		detectors[FT_NAMES]->scan(st, g.p, g.len, vs);
		t0 = now() - t0;
		best = t0 < best ? t0 : best;
		found = valueset_count(vs);
		valueset_free(vs);
	}
	printf("  names on a list of 2,000 people    %8.1f MB/s  (%zu names, %.2f ms, %.1f us a row)\n",
	    mbps(g.len, best), found, best * 1e3, best * 1e6 / 2000);
	detectors[FT_NAMES]->free(st);
	free(g.p);
}

int main(void)
{
	char err[256];
	size_t len, counts[FT_COUNT], floor_matches;
	char *text = generate(&len);
	struct textscan *ts = textscan_new(err, sizeof(err));
	double tp, tf, tn;

	if (ts == NULL) {
		fprintf(stderr, "bench_text: %s\n", err);
		return 1;
	}
	tp = time_pipeline(ts, text, len, counts);
	tf = time_floor(text, len, 0, &floor_matches);
	tn = time_floor(text, len, PCRE2_NO_UTF_CHECK, &floor_matches);
	printf("bench_text: %zu bytes of generated text, best of %d runs (thread CPU time)\n",
	    len, RUNS);
	printf("  pipeline (textscan_run)               %8.1f MB/s\n", mbps(len, tp));
	printf("  one phone regex, PCRE2 JIT, UTF check %8.1f MB/s  (%zu matches)\n",
	    mbps(len, tf), floor_matches);
	printf("  one phone regex, PCRE2 JIT, no check  %8.1f MB/s\n", mbps(len, tn));
	printf("  ratio pipeline / floor                %8.3f  (target >= 0.25)\n", tf / tp);
	printf("  ratio pipeline / floor without check  %8.3f\n", tn / tp);
	printf("  findings:");
	for (int t = 0; t < FT_COUNT; t++)
		printf(" %s=%zu", finding_type_name(t), counts[t]);
	printf("\nbreakdown:\n");
	breakdown(text, len);
	printf("MeCab (names):\n");
	{
		size_t nlen;
		char *norm = normalize_text(text, len, &nlen);

		printf("  MeCab alone, every line of the text %7.1f MB/s  (without the names prefilter)\n",
		    mbps(nlen, time_mecab(norm, nlen)));
		free(norm);
	}
	bench_names_list();
	textscan_free(ts);
	free(text);
	return 0;
}
