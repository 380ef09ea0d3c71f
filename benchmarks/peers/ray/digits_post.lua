-- wrk script for the digits shape of compare_serve.sh (both sides): POST /digits with a fixed
-- JSON body, the first row of the digits data set (examples/src/main/resources/datasets/digits.csv.gz,
-- a 0), its 64 pixels scaled as the model reads them (the CSV's 0..16 values divided by 16).
-- A trained model answers {"digit": 0}; serve_apps.py digits (trained at start-up) does.
--   wrk -t2 -c16 -d10s --latency -s benchmarks/peers/ray/digits_post.lua http://127.0.0.1:8000/digits
wrk.method = "POST"
wrk.path = "/digits"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"pixels":[0.0,0.0,0.3125,0.8125,0.5625,0.0625,0.0,0.0,0.0,0.0,0.8125,0.9375,0.625,0.9375,0.3125,0.0,0.0,0.1875,0.9375,0.125,0.0,0.6875,0.5,0.0,0.0,0.25,0.75,0.0,0.0,0.5,0.5,0.0,0.0,0.3125,0.5,0.0,0.0,0.5625,0.5,0.0,0.0,0.25,0.6875,0.0,0.0625,0.75,0.4375,0.0,0.0,0.125,0.875,0.3125,0.625,0.75,0.0,0.0,0.0,0.0,0.375,0.8125,0.625,0.0,0.0,0.0]}'
