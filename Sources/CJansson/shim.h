#ifndef WOK_CJANSSON_SHIM_H
#define WOK_CJANSSON_SHIM_H

#include <jansson.h>

/// Flags that are macros in jansson.h, exported as constants Swift can see.
static const size_t wok_json_reject_duplicates = JSON_REJECT_DUPLICATES;
static const size_t wok_json_decode_any = JSON_DECODE_ANY;
static const size_t wok_json_decode_int_as_real = JSON_DECODE_INT_AS_REAL;
static const size_t wok_json_allow_nul = JSON_ALLOW_NUL;
static const size_t wok_json_disable_eof_check = JSON_DISABLE_EOF_CHECK;

/// `json_typeof` is a macro; this reads the tag of a non-null value.
static inline json_type wok_json_typeof(const json_t *json) { return json->type; }

/// `json_boolean` is a macro.
static inline json_t *wok_json_boolean(int value) { return value ? json_true() : json_false(); }

#endif
