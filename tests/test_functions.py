"""Terraform built-in functions: exact values, confirmed with ``terraform console`` (1.11).

Each expected value below was produced by Terraform itself (``echo 'jsonencode(...)' |
terraform console``); the tests never run Terraform.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iacscan.model.values import Ref, Unknown
from iacscan.terraform.functions import (
    FUNCTION_NAMES,
    FunctionContext,
    FunctionError,
    call_function,
)

SG = Ref("aws_security_group.a", "id")
VPC = Ref("aws_vpc.main", "id")
CTX = FunctionContext(Path("."), Path("."))


def call(name: str, *args):
    return call_function(name, list(args), CTX)


def check(cases):
    for name, args, expected in cases:
        result = call(name, *args)
        assert result == expected, (name, args, result)
        assert type(result) is type(expected), (name, args, result)


def check_errors(cases):
    for name, args, fragment in cases:
        with pytest.raises(FunctionError, match=fragment):
            call(name, *args)


def assert_unknown_with(value, *refs):
    assert isinstance(value, Unknown), value
    assert set(refs) <= value.refs, (value.refs, refs)


# -- numeric -------------------------------------------------------------------------------------


def test_numeric_functions():
    check(
        [
            ("abs", [-0.5], 0.5),
            ("abs", [-3], 3),
            ("ceil", [1.1], 2),
            ("ceil", [-1.1], -1),
            ("floor", [-1.1], -2),
            ("floor", ["2.5"], 2),
            ("log", [16, 2], 4),
            ("log", [100, 10], 2),
            ("log", ["1000", 10], 2.9999999999999996),  # float64, exactly as Terraform
            ("max", [1, "5", 3.5], 5),
            ("min", [3, 2.5], 2.5),
            ("parseint", ["FF", 16], 255),
            ("parseint", ["-ff", 16], -255),
            ("parseint", ["+10", 10], 10),
            ("parseint", ["zz", 36], 1295),
            ("parseint", ["Zz", 62], 3817),  # beyond base 36 upper case letters are 36..61
            ("parseint", ["123456789012345678901234567890", 10], 123456789012345678901234567890),
            ("pow", [2, 10], 1024),
            ("pow", [2, -1], 0.5),
            ("pow", [4, 0.5], 2),
            ("pow", [0, 0], 1),
            ("pow", ["3", "2"], 9),
            ("signum", [-5], -1),
            ("signum", [0], 0),
            ("signum", ["7"], 1),
        ]
    )


def test_pow_is_float64_like_terraform():
    # terraform: jsonencode(pow(2, 100)) = "1267650600228229400000000000000"
    assert call("jsonencode", call("pow", 2, 100)) == "1267650600228229400000000000000"


def test_numeric_errors():
    check_errors(
        [
            ("signum", [-5.5], "whole number"),  # Terraform rejects a fractional signum
            ("abs", [True], "number required"),
            ("min", [], "at least one number"),
            ("parseint", ["12", 2], "cannot parse"),
            ("parseint", ["0x10", 16], "cannot parse"),
            ("parseint", ["1_0", 10], "cannot parse"),
            ("parseint", ["10", 63], "between 2 and 62"),
            ("parseint", [10, 10], "must be a string"),
            ("abs", ["x"], "cannot convert"),
        ]
    )


# -- strings ---------------------------------------------------------------------------------------


def test_string_functions():
    check(
        [
            ("chomp", ["a\n\r\n\n"], "a"),
            ("chomp", ["a\r"], "a"),
            ("endswith", ["abc", ""], True),
            ("indent", [2, "a\nb\n\nc\n"], "a\n  b\n  \n  c\n  "),
            ("indent", [2, ""], ""),
            ("join", [",", ["a", 1, True]], "a,1,true"),
            ("join", [",", ["a"], ["b", "c"]], "a,b,c"),
            ("join", [",", []], ""),
            ("lower", ["ÀB"], "àb"),
            ("replace", ["a.b.c", ".", "-"], "a-b-c"),
            ("replace", ["aaa", "aa", "b"], "ba"),
            ("replace", ["abc", "", "-"], "-a-b-c-"),
            ("replace", ["abc", "/b", "x"], "abc"),  # not a regex without the closing slash
            ("split", [",", ""], [""]),
            ("split", ["", "abc"], ["a", "b", "c"]),
            ("split", [",", "a,,b"], ["a", "", "b"]),
            ("split", [",", 5], ["5"]),
            ("startswith", [12, 1], True),
            ("strcontains", ["abc", "d"], False),
            ("strrev", ["héllo"], "olléh"),
            ("strrev", ["ae\u0301"], "e\u0301a"),  # grapheme clusters stay intact
            ("substr", ["hello", 1, -1], "ello"),
            ("substr", ["hello", -3, 2], "ll"),
            ("substr", ["hello", 10, 1], ""),
            ("substr", ["hello", 3, 10], "lo"),
            ("substr", ["hello", -10, 2], "he"),
            ("substr", ["héllo", 0, 2], "hé"),
            (
                "title",
                ["hello-world foo_bar don't hELLO ßa 1abc"],
                "Hello-World Foo_bar Don'T HELLO ßa 1abc",
            ),
            ("title", ["hello\tworld\u00a0x"], "Hello\tWorld\u00a0X"),
            ("trim", ["?!hello?!", "!?"], "hello"),
            ("trim", ["abc", ""], "abc"),
            ("trimprefix", ["aab", "a"], "ab"),
            ("trimsuffix", ["abb", "b"], "ab"),
            ("trimspace", ["  \t\nhi \n"], "hi"),
            ("trimspace", ["\u00a0x\u2003\u0085"], "x"),
            ("upper", ["straße"], "STRAßE"),  # Go maps case rune by rune
            ("upper", [5], "5"),
            ("upper", [True], "TRUE"),
        ]
    )


def test_length_counts_grapheme_clusters():
    check(
        [
            ("length", ["héllo"], 5),
            ("length", ["e\u0301"], 1),
            ("length", ["\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea"], 2),  # two flags
            ("length", ["\U0001f468\u200d\U0001f469\u200d\U0001f467"], 1),  # ZWJ family
            ("length", ["\r\n"], 1),
            ("length", ["\U0001f44d\U0001f3fd"], 1),  # skin tone modifier
            ("length", ["\u0915\u093f"], 1),  # Devanagari spacing mark
            ("length", ["\u1100\u1161\u11a8"], 1),  # Hangul jamo
        ]
    )


def test_string_errors():
    check_errors(
        [
            ("join", [",", ["a", None]], "element 1 is null"),
            ("join", [","], "at least one list"),
            ("indent", [-2, "a\nb"], "negative"),
            ("upper", [None], "must not be null"),
            ("upper", [["a"]], "string required"),
        ]
    )


def test_format_verbs():
    check(
        [
            (
                "format",
                [
                    *("%5.2f|%-5d|%q|%x|%v|%X|%o|%b|%e|%%|%t", 3.14159, 42, "hi", 255, True),
                    *(255, 8, 5, 1234.5678, False),
                ],
                ' 3.14|42   |"hi"|ff|true|FF|10|101|1.234568e+03|%|false',
            ),
            ("format", ["%s %s %s", 1, 1.5, True], "1 1.5 true"),
            ("format", ["%d", "12"], "12"),
            ("format", ["%05d|%+d|% d|%-05d|", 42, 42, 42, 42], "00042|+42| 42|42   |"),
            (
                "format",
                ["%#x|%#o|%08.3f|%+.2e", 255, 8, 3.14159, 12345.678],
                "0xff|010|0003.142|+1.23e+04",
            ),
            ("format", ["%5s|%-5s|%.1s", "é", "é", "éa"], "    é|é    |é"),
            ("format", ["%q", 'a"b\n<é>'], '"a\\"b\\n\\u003cé\\u003e"'),
            ("format", ["%q", 5], '"5"'),
            ("format", ["%t", "true"], "true"),
            ("format", ["%v", [1, "a"]], '[1,"a"]'),
            (
                "format",
                ["%v|%v", {"b": "<", "a": [True, None]}, 3],
                '{"a":[true,null],"b":"\\u003c"}|3',
            ),
            ("format", ["%[2]s %[1]s", "a", "b"], "b a"),
            ("format", ["%[1]s %[1]s %s", "a", "b"], "a a b"),
            ("format", ["%10.3s|%-10s|", "abcdef", "x"], "       abc|x         |"),
            ("format", ["%.3e|%g", 1234.5678, 1.5], "1.235e+03|1.5"),
            ("format", ["%f|%.0f|%.1f", 3, 2.5, 0.25], "3.000000|2|0.2"),
            ("format", ["%x", -255], "-ff"),
            ("format", ["%e", 0], "0.000000e+00"),
            ("format", ["%s", 1e20], "100000000000000000000"),
            ("format", ["%d", 12345678901234567890], "12345678901234567890"),
            ("format", ["%6.2v|%5t|%-6v|", 3.14159, True, False], "3.14159|true|false |"),
            (
                "format",
                ["%.3d|%.0d|%+.2d|%#b|%08.3d|%+08d", 7, 0, 3, 5, 7, 42],
                "007||+03|0b101|     007|+0000042",
            ),
            (
                "format",
                ["%08.2f|%-08.2f|% f", -3.14159, 3.14159, 1.5],
                "-0003.14|00003.14| 1.500000",
            ),
            ("format", ["%.0f|%.0f|%.0f|%.2e", 0.5, 1.5, 2.5, 1.125], "0|2|2|1.12e+00"),
            ("format", ["%5s|%-5d|%05s", "ab", 1, "x"], "   ab|1    |0000x"),
            ("format", ["%.s|%.0s", "abc", "abc"], "abc|abc"),
            ("format", ["%#v|%#v", "x", 1], '"x"|1'),
        ]
    )


def test_format_numbers_follow_terraforms_big_floats():
    check(
        [
            # %v uses %g's shortest form: exponent from 1e+06 on, unlike %s
            (
                "format",
                ["%v|%v|%v|%v", 1000000, 100000, 0.0001, 0.00001],
                "1e+06|100000|0.0001|1e-05",
            ),
            ("format", ["%s|%v", -1.5e-7, -1.5e-7], "-0.00000015|-1.5e-07"),
            (
                "format",
                ["%g|%.3g|%.10g|%g|%.0g", 100000, 1234567, 123.456, 0.00001234, 5],
                "100000|1.23e+06|123.456|1.234e-05|5",
            ),
            # literals are 512-bit binaries in Terraform: 0.0005 lies just below, 0.05 above
            (
                "format",
                ["%.3f|%.1f|%.1f|%.2f|%.2f", 0.0005, 0.95, 0.05, 1.005, 2.675],
                "0.000|0.9|0.1|1.00|2.67",
            ),
            ("format", ["%.20f", 0.1], "0.10000000000000000000"),
            (
                "format",
                ["%f|%e", 12345678901234567890123, 12345678901234567890123],
                "12345678901234567890123.000000|1.234568e+22",
            ),
        ]
    )


def test_format_errors():
    check_errors(
        [
            ("format", ["%d", 1.5], "an integer is required"),
            ("format", ["%s"], "need index 1 but have 0"),
            ("format", ["%s", "a", "b"], "only 1 used"),
            ("format", ["%*d", 5, 3], "unrecognized format character '\\*'"),
            ("format", ["abc%"], "offset 4"),
            ("format", ["%c", 65], "unsupported format verb"),
            ("format", ["%s", [1]], "string required"),
            ("format", ["%t", 1], "bool required"),
            ("format", ["%s", None], "null value cannot be formatted"),
        ]
    )


def test_formatlist():
    check(
        [
            ("formatlist", ["%s=%s", ["a", "b"], "x"], ["a=x", "b=x"]),
            ("formatlist", ["%s-%s", ["a", "b"], ["c", "d"]], ["a-c", "b-d"]),
            ("formatlist", ["%s", []], []),
            ("formatlist", ["x"], ["x"]),
        ]
    )
    check_errors([("formatlist", ["%s=%s", ["a", "b"], ["x"]], "same length")])


def test_regex_result_shapes():
    check(
        [
            ("regex", ["[a-z]+", "123abc456"], "abc"),
            ("regex", ["(a)|(b)", "b"], [None, "b"]),
            ("regex", ["(a)(?:b)", "ab"], ["a"]),
            ("regex", ["(?P<x>a)|(?P<y>b)", "b"], {"x": None, "y": "b"}),
            ("regex", ["(?P<x>a)(?P<y>b)?", "a"], {"x": "a", "y": None}),
            ("regex", ["^(\\d+\\.)+\\d+$", "1.2.3"], ["2."]),
            ("regexall", ["[a-z]+", "123abc456def"], ["abc", "def"]),
            ("regexall", ["([a-z])([0-9])", "a1b2"], [["a", "1"], ["b", "2"]]),
            ("regexall", ["x*", "abc"], ["", "", "", ""]),
            ("regexall", ["a|", "ba"], ["", "a"]),  # Go skips an empty match after a match
        ]
    )


def test_regex_follows_re2_syntax():
    check(
        [
            ("regex", ["(?U)a+", "aaa"], "a"),
            ("regex", ["a{,2}", "a{,2}"], "a{,2}"),  # not a repetition in RE2
            ("regex", ["\\Qa.b\\E", "xa.b"], "a.b"),
            ("regex", ["\\w+", "éa_1"], "a_1"),  # \w is ASCII only
            ("regex", ["(?i)É", "é"], "é"),
            ("regex", ["\\bb", "a b"], "b"),
            ("regex", ["\\z", "ab"], ""),
            ("regex", ["[[:word:]]+", "a_1-"], "a_1"),
            ("regex", ["(?s).", "\n"], "\n"),
            ("replace", ["hello world", "/o(\\w)?/", "[$1]"], "hell[] w[r]ld"),
            ("replace", ["abc", "/b/", "$1x"], "ac"),  # $1x names the group "1x"
            ("replace", ["abc", "/b/", "$$"], "a$c"),
            ("replace", ["abc", "/(b)/", "${1}1"], "ab1c"),
            ("replace", ["abc", "/(?<n>b)/", "<$n>"], "a<b>c"),
            ("replace", ["a1", "/(\\d)/", "$1$"], "a1$"),
            ("replace", ["ab", "/a*/", "-"], "-b-"),
            ("replace", ["abc", "//", "-"], "-a-b-c-"),
            ("replace", ["ab\n", "/b$/", "x"], "ab\n"),  # $ is the end of text without (?m)
            ("replace", ["ab\nab", "/(?m)^a/", "x"], "xb\nxb"),
            ("replace", ["aBc", "/b(?i)c/", "x"], "aBc"),
            ("replace", ["a\u00a0\u000bb", "/\\s/", "!"], "a\u00a0\u000bb"),  # no \v in RE2's \s
        ]
    )


def test_regex_errors():
    check_errors(
        [
            ("regex", ["a$", "a\n"], "did not match"),
            ("regex", ["[", "a"], "missing closing"),
            ("regex", ["(?P<x>a)(b)", "ab"], "cannot mix both named and unnamed"),
            ("regex", ["(a)\\1", "aa"], "invalid escape"),
            ("regex", ["a(?=b)", "ab"], "unsupported Perl syntax"),
            ("regex", ["x*+", "x"], "nested repetition"),
            ("regex", ["a{1001}", "a"], "repeat count"),
        ]
    )


def test_regex_matches_terraform_on_re2_corners():
    # Each answer checked with `terraform console` (Terraform 1.11, Go's regexp).
    check(
        [
            ("regex", ["[a-z]+", "53453453.345345aaabbbccc23454"], "aaabbbccc"),
            ("regex", ["(?P<x>a)(?P<x>b)", "ab"], {"x": "b"}),  # a repeated name: last wins
            ("regex", ["\\pL+", "12héllo3"], "héllo"),
            ("regex", ["[[:^alpha:]]+", "ab12cd"], "12"),
            ("regex", ["\\x{1F600}", "x\U0001f600"], "\U0001f600"),
            ("regex", ["(?U)a+?", "aaa"], "aaa"),
            ("regex", ["\\Q.*\\E+", ".*.*"], ".*"),
            ("regexall", ["x*", "héllo"], [""] * 6),  # empty matches step by character
            ("regexall", ["(?m)^\\w+$", "ab\ncd\n"], ["ab", "cd"]),
            ("replace", ["héllo wörld", "/(\\w)ö/", "$1o"], "héllo rld"),  # \w is ASCII
            ("replace", ["aaa", "/a*?/", "-"], "-a-a-a-"),
        ]
    )
    for name, args, fragment in [
        ("regex", ["(?i)straße", "STRASSE"], "did not match"),
        ("regex", ["\\C", "ab"], "invalid escape sequence in \\C"),
        ("regex", ["\\Z", "a"], "invalid escape sequence in \\Z"),
        ("regex", ["a{2}{3}", "a"], "invalid nested repetition operator in {2}{3}"),
        ("regex", ["(a{1000}){1000}", "a"], "invalid repeat count in {1000}"),
        ("regex", ["[a-", "a"], "missing closing ] in [a-"),
        ("regex", ["x(", "a"], "missing closing ) in x("),
        ("regex", ["x)", "a"], "unexpected ) in x)"),
        ("regex", ["\\", "a"], "trailing backslash at end of expression"),
        ("regex", ["(?=a)", "a"], "invalid or unsupported Perl syntax in (?="),
    ]:
        with pytest.raises(FunctionError) as raised:
            call(name, *args)
        assert fragment in str(raised.value), (args, str(raised.value))


def test_regex_on_a_lone_surrogate_sees_the_replacement_character():
    assert call("regex", ".", "\ud800") == "\ufffd"
    assert call("regexall", "a", "\ud800a") == ["a"]


def test_regex_that_backtracks_in_python_is_evaluated_in_linear_time():
    # Python's re would take hours on these; RE2, Terraform's engine, answers at once.
    check_errors([("regex", ["^(\\w+\\s?)*$", "a" * 40 + "!"], "did not match")])
    digits = "1" * 200_000
    assert call("regexall", ".*.*.*.*=", digits) == []
    assert call("replace", digits, "/\\d*\\d*\\d*x/", "y") == digits
    assert call("regex", "(a+)+$", "a" * 100_000) == ["a" * 100_000]


# -- collections -----------------------------------------------------------------------------------


def test_collection_functions():
    check(
        [
            ("alltrue", [[]], True),
            ("alltrue", [["true", True]], True),
            ("alltrue", [[None]], False),
            ("anytrue", [[]], False),
            ("anytrue", [[None, True]], True),
            ("chunklist", [["a", "b", "c"], 2], [["a", "b"], ["c"]]),
            ("chunklist", [["a", "b", "c"], 0], [["a", "b", "c"]]),
            ("chunklist", [[], 2], []),
            ("coalesce", [None, "", "a"], "a"),
            ("coalesce", [1, "a"], "1"),  # arguments are converted to one type
            ("coalesce", [None, 2], 2),
            ("coalesce", [[], ["a"]], []),
            ("coalescelist", [[], ["a"]], ["a"]),
            ("compact", [["a", "", None, "b"]], ["a", "b"]),
            ("compact", [["a", 1]], ["a", "1"]),
            ("concat", [["a"], [1], []], ["a", 1]),
            ("contains", [["a", 1], "1"], False),  # no conversion: strict equality
            ("contains", [[1.0], 1], True),
            ("contains", [[{"a": 1}], {"a": 1}], True),
            ("distinct", [["b", "a", "b", 1, "1"]], ["b", "a", "1"]),
            ("element", [["a", "b", "c"], 4], "b"),  # wraps around
            ("element", [["a", "b"], "1"], "b"),
            ("flatten", [[["a", ["b"]], [], "c", [[["d"]]]]], ["a", "b", "c", "d"]),
            ("flatten", [[None, ["a", None]]], [None, "a", None]),
            ("index", [["a", "b"], "b"], 1),
            ("index", [[[1]], [1]], 0),
            ("keys", [{"b": 1, "a": 2, "B": 3}], ["B", "a", "b"]),
            ("length", [{"a": 1}], 1),
            ("lookup", [{"a": 1, "b": "x"}, "a"], 1),
            ("lookup", [{"a": 1}, "b", "d"], "d"),
            (
                "matchkeys",
                [["i-1", "i-2", "i-3"], ["us-a", "us-b", "us-a"], ["us-a"]],
                ["i-1", "i-3"],
            ),
            ("matchkeys", [["a", "b"], [1, 2], ["1"]], ["a"]),
            ("merge", [None, {"a": 1}, {"a": 2, "b": 3}], {"a": 2, "b": 3}),
            ("merge", [{"a": {"x": 1}}, {"a": {"y": 2}}], {"a": {"y": 2}}),  # shallow
            ("one", [[]], None),
            ("one", [["x"]], "x"),
            ("range", [3], [0, 1, 2]),
            ("range", [1, 4], [1, 2, 3]),
            ("range", [0, 1, 0.25], [0, 0.25, 0.5, 0.75]),
            ("range", [5, 1], [5, 4, 3, 2]),
            ("range", [-3], [0, -1, -2]),
            ("range", [1.5], [0, 1]),
            ("reverse", [["a", 1]], [1, "a"]),
            ("slice", [["a", "b", "c"], 1, 3], ["b", "c"]),
            ("slice", [["a", "b", "c"], 1, 1], []),
            ("sort", [["b", "a", "B"]], ["B", "a", "b"]),
            ("sort", [[10, 9, 1]], ["1", "10", "9"]),  # always lexical, as strings
            ("sum", [[1, 2.5, "3"]], 6.5),
            ("sum", [[0.1, 0.2]], 0.3),
            (
                "transpose",
                [{"a": ["1", "2"], "b": ["2", "3"]}],
                {"1": ["a"], "2": ["a", "b"], "3": ["b"]},
            ),
            ("transpose", [{"a": ["1", 2]}], {"1": ["a"], "2": ["a"]}),
            ("values", [{"b": 1, "a": 2, "B": 3}], [3, 2, 1]),
            ("zipmap", [["a", "b"], [1, "x"]], {"a": 1, "b": "x"}),
            ("zipmap", [["a", "a"], [1, 2]], {"a": 2}),
            ("zipmap", [["a", 1], ["x", "y"]], {"a": "x", "1": "y"}),
        ]
    )


def test_collection_errors():
    check_errors(
        [
            ("coalesce", ["", None], "no non-null, non-empty-string"),
            ("coalesce", [["a"], "b"], "same type"),
            ("coalesce", [1, True], "same type"),
            ("coalescelist", [[], []], "no non-null"),
            ("compact", [[["a"]]], "string required"),
            ("concat", ["a"], "must be a list"),
            ("element", [[], 0], "empty list"),
            ("element", [["a"], -1], "negative"),  # Terraform 1.11 panics here
            ("element", [["a", "b"], 1.5], "whole number"),
            ("chunklist", [["a"], -1], "must be positive"),
            ("index", [["a", "b"], "z"], "item not found"),
            ("index", [[1, 2], "2"], "item not found"),
            ("keys", [["a"]], "map or object"),
            ("length", [1], "collection type"),
            ("lookup", [{"a": 1}, "b"], "no attribute 'b'"),
            ("matchkeys", [["a", "b"], ["x"], ["x"]], "should be equal"),
            ("merge", [{"a": 1}, ["x"]], "maps or objects"),
            ("one", [["a", "b"]], "zero or one"),
            ("one", [None], "must not be null"),
            ("range", [5, 1, 2], "greater than start"),
            ("range", [1, 5, -1], "less than start"),
            ("range", [0, 2000], "more than 1024"),
            ("reverse", ["abc"], "not string"),
            ("slice", [["a", "b", "c"], 2, 1], "start index must not be greater"),
            ("slice", [["a", "b", "c"], 1, 4], "end index"),
            ("slice", [["a", "b"], -1, 1], "less than zero"),
            ("sort", [["a", None]], "null string cannot be sorted"),
            ("sum", [[]], "empty list"),
            ("sum", [[True]], "number values"),
            ("zipmap", [["a"], [1, 2]], "does not match"),
            ("zipmap", [["a", None], ["x", "y"]], "null value at index 1"),
        ]
    )


def test_set_functions_deduplicate_and_sort():
    check(
        [
            ("toset", [[3, 1, 2, 10]], [1, 2, 3, 10]),
            ("toset", [[True, False, True]], [False, True]),
            ("toset", [["b", "a", "B", "10", "9"]], ["10", "9", "B", "a", "b"]),
            ("toset", [["a", 1]], ["1", "a"]),
            ("toset", [[None, "a"]], ["a", None]),
            ("setunion", [["b", "a"], ["c", "a"]], ["a", "b", "c"]),
            ("setunion", [["a"], [1]], ["1", "a"]),
            ("setintersection", [["b", "a", "c"], ["c", "a"]], ["a", "c"]),
            ("setintersection", [["a"], [1]], []),
            ("setsubtract", [["b", "a", "c"], ["c"]], ["a", "b"]),
            (
                "setproduct",
                [["a", "b"], ["1", "2"]],
                [["a", "1"], ["a", "2"], ["b", "1"], ["b", "2"]],
            ),
            ("setproduct", [["a"], []], []),
        ]
    )
    check_errors([("setproduct", [["a"]], "at least two")])


# -- conversion ------------------------------------------------------------------------------------


def test_conversion_functions():
    check(
        [
            ("tobool", ["true"], True),
            ("tobool", [None], None),
            ("tolist", [["a", 1, True]], ["a", "1", "true"]),
            ("tolist", [[[1], ["x"]]], [["1"], ["x"]]),
            ("tolist", [[{"a": 1}, {"a": "x"}]], [{"a": "1"}, {"a": "x"}]),
            ("tolist", [[{"a": 1}, {"b": 1}]], [{"a": 1}, {"b": 1}]),
            ("tomap", [{"a": 1, "b": "x"}], {"a": "1", "b": "x"}),
            ("tomap", [{"a": [1], "b": ["x"]}], {"a": ["1"], "b": ["x"]}),
            ("tonumber", ["1e3"], 1000),
            ("tonumber", [".5"], 0.5),
            ("tonumber", ["+5"], 5),
            ("tonumber", [None], None),
            ("tostring", [True], "true"),
            ("tostring", [5.0], "5"),
            ("tostring", [1e20], "100000000000000000000"),
            ("tostring", [1e-7], "0.0000001"),
            ("tostring", [None], None),
            ("sensitive", ["x"], "x"),
            ("nonsensitive", ["x"], "x"),
        ]
    )


def test_conversion_errors():
    check_errors(
        [
            ("tobool", ["True"], "only the strings"),
            ("tobool", [1], "cannot convert number to bool"),
            ("tolist", [[1, True]], "list of any single type"),
            ("tolist", [{"a": 1}], "list of any single type"),
            ("tomap", [{"a": 1, "b": True}], "map of any single type"),
            ("tomap", [[1]], "map of any single type"),
            ("tonumber", ["0x10"], "decimal representation"),
            ("tonumber", [" 1"], "decimal representation"),
            ("tonumber", [True], "cannot convert bool"),
            ("tostring", [[]], "cannot convert tuple"),
        ]
    )


# -- encoding --------------------------------------------------------------------------------------


def test_jsonencode_is_compact_sorted_and_escapes_html():
    value = {"a": "<>&", "b": "\u2028", "c": "é\u0001\t", "d": 1.5, "e": 1e20, "z": None, "A": True}
    assert call("jsonencode", value) == (
        '{"A":true,"a":"\\u003c\\u003e\\u0026","b":"\\u2028","c":"é\\u0001\\t","d":1.5,'
        '"e":100000000000000000000,"z":null}'
    )
    assert call("jsonencode", 123456789012345678901234567890) == "123456789012345678901234567890"


def test_encoding_functions():
    check(
        [
            ("base64encode", ["héllo"], "aMOpbGxv"),
            ("base64encode", [5], "NQ=="),
            ("base64decode", ["aMOpbGxv"], "héllo"),
            ("base64decode", ["aGk=\n"], "hi"),  # Go ignores line breaks
            (
                "csvdecode",
                ['a,b\n1,2\n"x,y","q"""\n'],
                [{"a": "1", "b": "2"}, {"a": "x,y", "b": 'q"'}],
            ),
            ("csvdecode", ["a,b"], []),
            ("csvdecode", ["a,b\r\n1,2\r\n"], [{"a": "1", "b": "2"}]),
            ("csvdecode", ["a, b\n1, 2"], [{"a": "1", " b": " 2"}]),
            ("jsondecode", ['{"a":[1,2.5,true,null,"<"]}'], {"a": [1, 2.5, True, None, "<"]}),
            ("jsondecode", ["1e3"], 1000),
            ("jsondecode", ['{"a":1,"a":2}'], {"a": 2}),
            ("textencodebase64", ["hé", "UTF-16LE"], "aADpAA=="),
            ("textencodebase64", ["hé", "ISO-8859-1"], "aOk="),
            ("textdecodebase64", ["aADpAA==", "UTF-16LE"], "hé"),
            ("urlencode", ["a b&c=d/é~_.-*+"], "a+b%26c%3Dd%2F%C3%A9~_.-%2A%2B"),
        ]
    )
    check_errors(
        [
            ("base64decode", ["aGk"], "failed to decode"),
            ("base64decode", ["/w=="], "not valid UTF-8"),
            ("csvdecode", [""], "missing header line"),
            ("csvdecode", ["a,b\n1\n"], "wrong number of fields"),
            ("csvdecode", ["a,a\n1,2"], "duplicate column name"),
            ("jsondecode", ["NaN"], "invalid character"),
            ("jsondecode", ['{"a":1} x'], "Extra data"),
        ]
    )


def test_yamlencode_matches_terraforms_layout():
    value = {
        "a": 1,
        "b": "x",
        "c": [True, None],
        "d": {},
        "e": [],
        "f g": "h: i",
        "m": "multi\nline\n",
        "n": 1.5,
        "s": "123",
    }
    assert call("yamlencode", value) == (
        '"a": 1\n"b": "x"\n"c":\n- true\n- null\n"d": {}\n"e": []\n"f g": "h: i"\n'
        '"m": |\n  multi\n  line\n"n": 1.5\n"s": "123"\n'
    )
    check(
        [
            ("yamlencode", ["abc"], '"abc"\n'),
            ("yamlencode", [None], "null\n...\n"),
            ("yamlencode", [1e20], "100000000000000000000\n...\n"),
            ("yamlencode", [["a", {"x": [1, 2]}, [3]]], '- "a"\n- "x":\n  - 1\n  - 2\n- - 3\n'),
            (
                "yamlencode",
                [{"z": 1, "a": {"y": 2, "b": "c"}}],
                '"a":\n  "b": "c"\n  "y": 2\n"z": 1\n',
            ),
            ("yamlencode", ["line1\nline2"], "|-\n  line1\n  line2\n"),
            ("yamlencode", ["  lead\nline"], "|2-\n    lead\n  line\n"),
            ("yamlencode", ["a\n\nb\n\n"], "|+\n  a\n\n  b\n\n"),
            ("yamlencode", ["trail \nline"], '"trail \\nline"\n'),
            ("yamlencode", ["tab\there"], '"tab\\there"\n'),
            ("yamlencode", ["\U0001f600x"], '"\\U0001F600x"\n'),
            ("yamlencode", [[{"a": "x\ny"}]], '- "a": |-\n    x\n    y\n'),
            ("yamlencode", [{"a\nb": 1}], "? |-\n  a\n  b\n: 1\n"),
            (
                "yamlencode",
                ["a long string with spaces that goes" + " on and" * 9 + " on"],
                '"a long string with spaces that goes'
                + " on and" * 6
                + ' on\n  and on and on and on"\n',
            ),
        ]
    )


def test_yamldecode_uses_terraforms_resolver():
    doc = "a: yes\nb: on\nc: 2020-01-01\nd: 0x10\ne: 1e3\nf: ~\ng: 010\nh: 0o10\nj: 1.0\n"
    doc += "k: no\nl: off\nm: y"
    assert call("yamldecode", doc) == {
        "a": True,
        "b": True,
        "c": "2020-01-01T00:00:00Z",
        "d": 16,
        "e": 1000,
        "f": None,
        "g": 10,
        "h": 8,
        "j": 1,
        "k": False,
        "l": False,
        "m": True,
    }
    check(
        [
            ("yamldecode", ["n: 1\ny: 2"], {"false": 1, "true": 2}),  # bare y/n keys are bools
            (
                "yamldecode",
                ["a: 1_000\nb: +1\nc: -0x1F\nd: 0b101"],
                {"a": "1_000", "b": 1, "c": "-0x1F", "d": "0b101"},
            ),
            (
                "yamldecode",
                ["a: !!int 0b1_1\nb: !!str yes\nc: 'yes'"],
                {"a": 3, "b": "yes", "c": "yes"},
            ),
            ("yamldecode", ["a: |-\n  true"], {"a": "true"}),
            (
                "yamldecode",
                ["base: &b {x: 1}\nc:\n  <<: *b\n  y: 2"],
                {"base": {"x": 1}, "c": {"true": 2, "x": 1}},
            ),
            ("yamldecode", ["a: 1\n<<: {a: 2, b: 3}"], {"a": 2, "b": 3}),
            ("yamldecode", ["2001-12-14t21:59:43.10-05:00"], "2001-12-14T21:59:43-05:00"),
            ("yamldecode", ["[2001-13-01, '2020-01-01']"], ["2001-13-01", "2020-01-01"]),
            ("yamldecode", ["!!binary aGk="], "aGk="),
        ]
    )
    check_errors(
        [
            ("yamldecode", [""], "missing start of document"),
            ("yamldecode", ["---\na: 1\n---\nb: 2"], "single document"),
            ("yamldecode", ["~: 1"], "mapping key cannot be null"),
            ("yamldecode", ["? [1]\n: x"], "only strings are allowed"),
            ("yamldecode", ["a: .NaN"], "NaN is not supported"),
            ("yamldecode", ["a: !foo bar"], "unsupported tag"),
            ("yamldecode", ["- <<: [{a: 1}]"], "cannot merge tuple"),
        ]
    )


def test_yamldecode_refuses_alias_bombs():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        bomb += (
            f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
        )
    with pytest.raises(FunctionError, match="excessive aliasing"):
        call("yamldecode", bomb)


# -- hash and crypto -------------------------------------------------------------------------------


def test_hash_functions():
    check(
        [
            ("md5", ["hello"], "5d41402abc4b2a76b9719d911017c592"),
            ("md5", [5], "e4da3b7fbbce2345d7772b0674a318d5"),
            ("sha1", ["hello"], "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
            (
                "sha256",
                ["hello"],
                "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            ),
            (
                "sha512",
                ["hello"],
                "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e"
                "14b8c5da0c4663475c2e5c3adef46f73bcdec043",
            ),
            ("base64sha256", ["hello"], "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="),
            (
                "base64sha512",
                ["hello"],
                "m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw==",
            ),
            ("uuidv5", ["dns", "example.com"], "cfbff0d1-9375-5685-968c-48ce8b15ae17"),
            (
                "uuidv5",
                ["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "example.com"],
                "cfbff0d1-9375-5685-968c-48ce8b15ae17",
            ),
        ]
    )


# -- network ---------------------------------------------------------------------------------------


def test_cidr_functions():
    check(
        [
            ("cidrhost", ["10.12.112.0/20", 16], "10.12.112.16"),
            ("cidrhost", ["10.12.112.0/20", 268], "10.12.113.12"),
            ("cidrhost", ["10.12.112.0/20", -1], "10.12.127.255"),
            ("cidrhost", ["fd00:fd12:3456:7890:00a2::/72", 34], "fd00:fd12:3456:7890::22"),
            ("cidrhost", ["10.0.0.0/24", "3"], "10.0.0.3"),
            ("cidrnetmask", ["172.16.0.0/12"], "255.240.0.0"),
            ("cidrnetmask", ["10.0.0.0/0"], "0.0.0.0"),
            ("cidrsubnet", ["10.0.0.0/16", 8, 2], "10.0.2.0/24"),
            ("cidrsubnet", ["10.0.0.5/16", 8, 2], "10.0.2.0/24"),
            ("cidrsubnet", ["172.16.0.0/12", 4, 2], "172.18.0.0/16"),
            ("cidrsubnet", ["10.1.2.0/24", 4, 15], "10.1.2.240/28"),
            ("cidrsubnet", ["fd00:fd12:3456:7890::/56", 16, 162], "fd00:fd12:3456:7800:a200::/72"),
            ("cidrsubnet", ["::/0", 64, 5], "0:0:0:5::/64"),
            ("cidrsubnet", ["010.0.0.0/8", 8, 2], "10.2.0.0/16"),  # leading zeros are decimal
            (
                "cidrsubnets",
                ["10.1.0.0/16", 4, 4, 8, 4],
                ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"],
            ),
            (
                "cidrsubnets",
                ["fd00:fd12:3456:7890::/56", 16, 16, 16, 32],
                [
                    "fd00:fd12:3456:7800::/72",
                    "fd00:fd12:3456:7800:100::/72",
                    "fd00:fd12:3456:7800:200::/72",
                    "fd00:fd12:3456:7800:300::/88",
                ],
            ),
            (
                "cidrsubnets",
                ["10.0.0.0/8", 8, 8, 24, 4],
                ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/32", "10.16.0.0/12"],
            ),
            ("cidrsubnets", ["10.0.0.0/8"], []),
        ]
    )


def test_cidr_errors():
    check_errors(
        [
            ("cidrhost", ["10.12.112.0/20", 5000], "does not accommodate a host numbered 5000"),
            ("cidrhost", ["10.12.112.0/20", -5000], "host numbered -904"),
            ("cidrhost", ["10.0.0.0/8", 2.5], "whole number"),
            ("cidrnetmask", ["fd00::/64"], "IPv6 addresses cannot have a netmask"),
            ("cidrsubnet", ["10.0.0.0/16", 8, 256], "does not accommodate a subnet numbered 256"),
            ("cidrsubnet", ["10.0.0.0/16", 17, 0], "insufficient address space"),
            ("cidrsubnet", ["10.0.0.0", 8, 2], "invalid CIDR address"),
            ("cidrsubnets", ["10.0.0.0/30", 1, 1, 1], "prefix of 31 bits after 10.0.0.2/31"),
            ("cidrsubnets", ["0.0.0.0/0", 1, 1], "after 128.0.0.0/1"),
            ("cidrsubnets", ["10.0.0.0/8", 0], "at least one bit"),
            ("cidrsubnets", ["10.0.0.0/8", 25], "33 bits, which is too long for an IPv4 address"),
            ("cidrsubnets", ["fd00::/56", 33], "more than 32 bits"),
        ]
    )


# -- date and time ---------------------------------------------------------------------------------


def test_time_functions():
    check(
        [
            ("timeadd", ["2017-11-22T00:00:00Z", "10m"], "2017-11-22T00:10:00Z"),
            ("timeadd", ["2017-11-22T00:00:00Z", "-1h30m45.5s"], "2017-11-21T22:29:14Z"),
            ("timeadd", ["2017-11-22T00:00:00+01:00", "1us"], "2017-11-22T00:00:00+01:00"),
            ("timecmp", ["2017-11-22T00:00:00Z", "2017-11-22T01:00:00+01:00"], 0),
            ("timecmp", ["2017-11-22T00:00:00.5Z", "2017-11-22T00:00:00Z"], 1),
            (
                "formatdate",
                ["DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"],
                "02 Jan 2018 23:12 UTC",
            ),
            (
                "formatdate",
                ["EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"],
                "Tuesday, 02-Jan-18 23:12:01 -0800",
            ),
            (
                "formatdate",
                ["h:mmaa 'o''clock' Z ZZZZ ZZZZZ", "2018-01-02T23:12:01.5-08:00"],
                "23:12pm o'clock -08:00 -0800 -08:00",
            ),
            (
                "formatdate",
                ["YYYY-MM-DD'T'hh:mm:ssZ", "2018-01-02T23:12:01Z"],
                "2018-01-02T23:12:01Z",
            ),
        ]
    )
    check_errors(
        [
            ("timeadd", ["2017-11-22T00:00:00Z", "1d"], "invalid duration"),
            ("timeadd", ["2017-11-22", "1h"], "RFC3339"),
            (
                "formatdate",
                ["D M YY EEE H A", "2018-01-02T03:12:01Z"],
                "invalid date format verb 'A'",
            ),
        ]
    )


@pytest.mark.parametrize("name", ["timestamp", "uuid", "plantimestamp"])
def test_impure_functions_are_unknown(name):
    assert isinstance(call(name), Unknown)


def test_bcrypt_is_unknown_but_keeps_refs():
    assert_unknown_with(call("bcrypt", SG), SG)


# -- filesystem ------------------------------------------------------------------------------------


def test_path_functions():
    check(
        [
            ("basename", ["foo/bar/"], "bar"),
            ("basename", [""], "."),
            ("basename", ["/"], "/"),
            ("dirname", ["foo"], "."),
            ("dirname", ["/foo"], "/"),
            ("dirname", ["foo/bar/"], "foo/bar"),
            ("dirname", ["a//b/../c"], "a"),
            ("dirname", [""], "."),
        ]
    )
    assert isinstance(call("pathexpand", "~/x"), Unknown)
    assert call("pathexpand", "a/b") == "a/b"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "repo"
    module = root / "modules" / "app"
    (module / "tpl").mkdir(parents=True)
    (module / "f.txt").write_text("héllo\n", encoding="utf-8")
    (module / "tpl" / "t.tpl").write_text("hello ${name}\n", encoding="utf-8")
    (root / "top.txt").write_text("top", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    return root, module


def file_ctx(root: Path, module: Path, render=None) -> FunctionContext:
    return FunctionContext(module_dir=module, root=root, render_template=render)


def test_file_functions_read_relative_to_module_dir(tree):
    root, module = tree
    ctx = file_ctx(root, module)
    assert call_function("file", ["f.txt"], ctx) == "héllo\n"
    assert call_function("file", ["../../top.txt"], ctx) == "top"
    assert call_function("fileexists", ["f.txt"], ctx) is True
    assert call_function("fileexists", ["none.txt"], ctx) is False
    assert call_function("filebase64", ["f.txt"], ctx) == "aMOpbGxvCg=="
    assert call_function("filemd5", ["f.txt"], ctx) == "1082e4bdaee22cfa4057c4f6a5e4c3da"
    assert call_function("filesha256", ["f.txt"], ctx) == (
        "b95becd154aa095f76c4ca47a5aeb8350d6dfcb838404edfc9dae06628de938d"
    )
    assert (
        call_function("filebase64sha256", ["f.txt"], ctx)
        == "uVvs0VSqCV92xMpHpa64NQ1t/Lg4QE7fydrgZijek40="
    )
    assert call_function("fileset", [".", "**/*.t*"], ctx) == ["f.txt", "tpl/t.tpl"]
    assert call_function("fileset", [".", "{f,x}.*"], ctx) == ["f.txt"]
    assert call_function("abspath", ["tpl/../f.txt"], ctx) == (module / "f.txt").as_posix()
    with pytest.raises(FunctionError, match="is a directory"):
        call_function("fileexists", ["tpl"], ctx)
    with pytest.raises(FunctionError, match="no file exists"):
        call_function("file", ["missing.txt"], ctx)


def test_file_functions_refuse_paths_outside_the_root(tree, tmp_path):
    root, module = tree
    ctx = file_ctx(root, module)
    outside = str(tmp_path / "secret.txt")
    for name, path in [
        ("file", "../../../secret.txt"),
        ("file", outside),
        ("file", "/etc/hostname"),
        ("file", "~/.ssh/id_rsa"),
        ("fileexists", outside),
        ("filebase64", outside),
        ("filesha256", outside),
        ("fileset", "../../.."),
        ("templatefile", outside),
    ]:
        args = (
            [path, "*"] if name == "fileset" else [path, {}] if name == "templatefile" else [path]
        )
        with pytest.raises(FunctionError, match="outside the scanned tree"):
            call_function(name, args, ctx)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_cannot_escape_the_root(tree, tmp_path):
    root, module = tree
    (module / "link.txt").symlink_to(tmp_path / "secret.txt")
    (module / "linkdir").symlink_to(tmp_path)
    ctx = file_ctx(root, module)
    with pytest.raises(FunctionError, match="outside the scanned tree"):
        call_function("file", ["link.txt"], ctx)
    with pytest.raises(FunctionError, match="outside the scanned tree"):
        call_function("file", ["linkdir/secret.txt"], ctx)
    assert "link.txt" not in call_function("fileset", [".", "*"], ctx)


def test_templatefile_renders_with_the_evaluators_renderer(tree):
    root, module = tree
    seen = []

    def render(text, variables):
        seen.append((text, variables))
        return text.replace("${name}", variables["name"])

    ctx = file_ctx(root, module, render)
    assert call_function("templatefile", ["tpl/t.tpl", {"name": "x"}], ctx) == "hello x\n"
    assert seen == [("hello ${name}\n", {"name": "x"})]
    without_renderer = call_function(
        "templatefile", ["tpl/t.tpl", {"name": SG}], file_ctx(root, module)
    )
    assert_unknown_with(without_renderer, SG)


def test_templatefile_cannot_recurse(tree):
    root, module = tree

    def render(text, variables):
        return call_function("templatefile", ["tpl/t.tpl", {}], ctx)

    ctx = file_ctx(root, module, render)
    with pytest.raises(FunctionError, match="recursively"):
        call_function("templatefile", ["tpl/t.tpl", {}], ctx)


# -- unknown values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("abs", [SG]),
        ("upper", [SG]),
        ("format", ["%s-%s", SG, "x"]),
        ("format", ["%v", [SG]]),
        ("cidrsubnet", [SG, 8, 1]),
        ("jsonencode", [{"a": [SG]}]),
        ("yamlencode", [{"a": SG}]),
        ("base64encode", [SG]),
        ("sha256", [SG]),
        ("tostring", [SG]),
        ("length", [SG]),
        ("keys", [SG]),
        ("merge", [{"a": 1}, SG]),
        ("concat", [SG, ["x"]]),
        ("file", [SG]),
        ("timeadd", [SG, "1h"]),
    ],
)
def test_unknown_argument_gives_unknown_result_that_keeps_its_refs(name, args):
    assert_unknown_with(call(name, *args), SG)


def test_collections_keep_unknown_elements():
    assert call("concat", [SG], ["x"]) == [SG, "x"]
    assert call("merge", {"a": SG}, {"b": 1}) == {"a": SG, "b": 1}
    assert call("length", [SG, VPC]) == 2
    assert call("flatten", [[SG], ["x", [VPC]]]) == [SG, "x", VPC]
    assert call("element", [SG, "x"], 0) == SG
    assert call("slice", [SG, "x", VPC], 1, 3) == ["x", VPC]
    assert call("reverse", [SG, "x"]) == ["x", SG]
    assert call("keys", {"b": SG, "a": 1}) == ["a", "b"]
    assert call("values", {"b": SG, "a": 1}) == [1, SG]
    assert call("lookup", {"a": 1, "b": SG}, "a") == 1
    assert call("lookup", {"a": 1, "b": SG}, "b") == SG
    assert call("lookup", {"a": 1}, "b", SG) == SG
    assert call("tolist", [SG, "x"]) == [SG, "x"]
    assert call("tomap", {"a": SG, "b": "x"}) == {"a": SG, "b": "x"}
    assert call("one", [SG]) == SG
    assert call("zipmap", ["a"], [SG]) == {"a": SG}
    assert call("chunklist", [SG, "x"], 1) == [[SG], ["x"]]
    assert call("setproduct", [SG], ["x"]) == [[SG, "x"]]
    assert call("matchkeys", [SG, "v"], ["k1", "k2"], ["k1"]) == [SG]
    assert call("coalesce", "y", SG) == "y"
    assert call("sensitive", SG) == SG


def test_collections_become_unknown_when_their_shape_depends_on_an_unknown():
    assert_unknown_with(call("join", ",", [SG, "x"]), SG)
    assert_unknown_with(call("compact", [SG, "x"]), SG)  # SG might be ""
    assert_unknown_with(call("distinct", [SG, "x"]), SG)
    assert_unknown_with(call("toset", [SG, "x"]), SG)
    assert_unknown_with(call("setunion", [SG], ["x"]), SG)
    assert_unknown_with(call("sort", [SG, "x"]), SG)
    assert_unknown_with(call("sum", [1, SG]), SG)
    assert_unknown_with(call("coalesce", None, SG, "x"), SG)
    assert_unknown_with(call("coalescelist", [], SG), SG)
    assert_unknown_with(call("index", [SG, "a"], "a"), SG)
    assert_unknown_with(call("zipmap", [SG], ["x"]), SG)
    assert_unknown_with(call("transpose", {"a": [SG]}), SG)
    assert_unknown_with(call("lookup", SG, "a"), SG)


def test_formatlist_spoils_only_the_rows_with_unknowns():
    result = call("formatlist", "%s-%s", ["a", SG], "x")
    assert result[0] == "a-x"
    assert_unknown_with(result[1], SG)
    assert_unknown_with(call("formatlist", "%s", SG), SG)


def test_contains_and_bool_reductions_decide_when_they_can():
    assert call("contains", [SG, "a"], "a") is True
    assert_unknown_with(call("contains", [SG, "a"], "b"), SG)
    assert_unknown_with(call("contains", ["a"], SG), SG)
    assert call("alltrue", [SG, False]) is False
    assert_unknown_with(call("alltrue", [SG, True]), SG)
    assert call("anytrue", [SG, True]) is True
    assert_unknown_with(call("anytrue", [SG, False]), SG)


# -- the table -------------------------------------------------------------------------------------


def test_function_table():
    required = """
        abs ceil floor log max min parseint pow signum
        chomp format formatlist indent join lower upper replace split strrev substr title trim
        trimprefix trimsuffix trimspace regex regexall startswith endswith strcontains
        alltrue anytrue chunklist coalesce coalescelist compact concat contains distinct element
        flatten index keys length lookup matchkeys merge one range reverse setintersection
        setproduct setsubtract setunion slice sort sum transpose values zipmap
        base64encode base64decode csvdecode jsonencode jsondecode urlencode yamlencode yamldecode
        textencodebase64 textdecodebase64 md5 sha1 sha256 sha512 base64sha256 base64sha512
        cidrhost cidrnetmask cidrsubnet cidrsubnets
        tobool tolist tomap tonumber toset tostring sensitive nonsensitive
        file fileexists filebase64 templatefile basename dirname abspath timestamp uuid bcrypt
    """
    assert set(required.split()) <= FUNCTION_NAMES
    assert "try" not in FUNCTION_NAMES and "can" not in FUNCTION_NAMES
    assert call("core::upper", "a") == "A"
    with pytest.raises(FunctionError, match="unsupported function nosuch"):
        call("nosuch")
    with pytest.raises(FunctionError, match="at most 1 argument"):
        call("upper", "a", "b")
    with pytest.raises(FunctionError, match="at least 3 argument"):
        call("cidrsubnet", "10.0.0.0/8")


def test_jsonencode_of_a_partly_unknown_value_keeps_the_structure_it_encodes() -> None:
    """Unknown text to Terraform, but readers of JSON attributes judge the known parts."""
    from iacscan.model.values import Ref, Unknown, json_structure
    from iacscan.terraform.functions.encoding import _jsonencode

    value = [{"image": Ref("aws_ecr_repository.app", "repository_url"), "privileged": True}]
    encoded = _jsonencode(value)
    assert isinstance(encoded, Unknown)
    assert encoded.refs == frozenset({Ref("aws_ecr_repository.app", "repository_url")})
    assert json_structure(encoded) == value
    assert json_structure("[]") == "[]"
