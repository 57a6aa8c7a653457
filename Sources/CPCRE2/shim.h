#ifndef WOK_CPCRE2_SHIM_H
#define WOK_CPCRE2_SHIM_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/// Option and error constants that are macros in pcre2.h, for Swift.
static const uint32_t wok_pcre2_utf = PCRE2_UTF;
static const uint32_t wok_pcre2_ucp = PCRE2_UCP;
static const uint32_t wok_pcre2_alt_bsux = PCRE2_ALT_BSUX;
static const uint32_t wok_pcre2_dollar_endonly = PCRE2_DOLLAR_ENDONLY;
static const uint32_t wok_pcre2_match_invalid_utf = PCRE2_MATCH_INVALID_UTF;
static const uint32_t wok_pcre2_no_utf_check = PCRE2_NO_UTF_CHECK;
static const uint32_t wok_pcre2_jit_complete = PCRE2_JIT_COMPLETE;
static const uint32_t wok_pcre2_extra_alt_bsux = PCRE2_EXTRA_ALT_BSUX;
static const int wok_pcre2_error_nomatch = PCRE2_ERROR_NOMATCH;
static const int wok_pcre2_error_matchlimit = PCRE2_ERROR_MATCHLIMIT;
static const int wok_pcre2_error_depthlimit = PCRE2_ERROR_DEPTHLIMIT;
static const int wok_pcre2_error_heaplimit = PCRE2_ERROR_HEAPLIMIT;

#endif
