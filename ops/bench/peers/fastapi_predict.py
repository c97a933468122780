"""The service Modelplane replaces, built the way the seed scripts build it: FastAPI + pydantic +
scikit-learn's LogisticRegression in one uvicorn process (`uvicorn.run`: one worker, the asyncio
loop and the h11 parser, which is what `pip install fastapi uvicorn` gives), `POST /predict` (a
plain `def`, so FastAPI runs it in its thread pool, as the FastAPI docs advise for blocking work)
taking a pydantic model of the 4 features and answering label + probability. One change from
uvicorn's defaults, in the peer's favour: no access log line per request (Modelplane writes none
either; it writes every prediction to its prediction log in PostgreSQL instead).

The coefficients are not trained here: ops/bench/fastapi.mjs passes the ones it built the
Modelplane model's ONNX from (MODEL_JSON: {"coef": [...], "intercept": x}), so both serve the same
model, and checks that they answer the same probabilities before it measures.

Run by ops/bench/fastapi.mjs with Debian's python3 (/usr/bin/python3; python3-fastapi,
python3-uvicorn, python3-sklearn). env: MODEL_JSON, PORT.
"""

import json
import os

import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.linear_model import LogisticRegression


class Features(BaseModel):
    sepal_length: float
    sepal_width: float
    petal_length: float
    petal_width: float


class Prediction(BaseModel):
    label: int
    probability: float


params = json.loads(os.environ["MODEL_JSON"])
model = LogisticRegression()
model.coef_ = np.array([params["coef"]], dtype=np.float64)
model.intercept_ = np.array([params["intercept"]], dtype=np.float64)
model.classes_ = np.array([0, 1])

app = FastAPI()


@app.post("/predict", response_model=Prediction)
def predict(features: Features) -> Prediction:
    row = np.array(
        [[features.sepal_length, features.sepal_width, features.petal_length, features.petal_width]]
    )
    probability = float(model.predict_proba(row)[0, 1])
    return Prediction(label=int(model.predict(row)[0]), probability=probability)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
