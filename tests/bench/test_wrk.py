from bench.wrk import lua_script, parse_wrk_output

REPORT = """Running 10s test @ http://127.0.0.1:20001/bench/bare
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.87ms    2.01ms  41.20ms   88.12%
    Req/Sec     4.10k   312.55     4.81k    71.00%
  Latency Distribution
     50%  850.00us
     75%    4.40ms
     90%    5.62ms
     99%    1.02s
  81620 requests in 10.00s, 14.56MB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:   8161.47
Transfer/sec:      1.46MB
"""


def test_parse_reads_throughput_latency_in_ms_and_errors():
    result = parse_wrk_output(REPORT)

    assert result.requests == 81620
    assert result.duration_s == 10.0
    assert result.requests_per_second == 8161.47
    assert result.latency_ms == {
        "avg": 3.87,
        "max": 41.2,
        "p50": 0.85,
        "p75": 4.4,
        "p90": 5.62,
        "p99": 1020.0,
    }
    assert result.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 7}
    assert result.non_2xx_3xx == 12
    assert result.errors == 22


def test_parse_without_error_lines_counts_zero_errors():
    clean = "\n".join(
        line for line in REPORT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )

    result = parse_wrk_output(clean)

    assert result.errors == 0
    assert result.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 0}


def test_plain_get_needs_no_script():
    assert lua_script("GET", {}, None) is None


def test_script_sets_method_headers_and_escaped_body():
    script = lua_script("POST", {"Authorization": "Bearer t"}, '{"q": "a\\\\b"}')

    assert script == (
        'wrk.method = "POST"\n'
        'wrk.headers["Authorization"] = "Bearer t"\n'
        'wrk.body = "{\\"q\\": \\"a\\\\\\\\b\\"}"\n'
    )
