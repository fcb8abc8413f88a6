# The Rasa server: the project's pinned requirements, its code, and a model trained when the image is built,
# so every replica serves the same model. Built from the repository root (docker-compose.yml does).
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The same first layers as actions.Dockerfile, so both images share them.
COPY requirements.txt constraints.txt ./
RUN pip install "pip==24.0" && pip install -r requirements.txt -c constraints.txt

COPY bot/ bot/
COPY actions/ actions/
COPY data/ data/
COPY config.yml domain.yml ./
COPY deploy/endpoints.production.yml deploy/credentials.production.yml deploy/
RUN python -m bot.knowledge && python -m bot.ops.rasa_cli train --quiet --num-threads 2

RUN useradd --create-home --uid 1001 rasa && chown -R rasa /app
USER 1001
EXPOSE 5005
# `rasa` as `make` and bot/ops/run.py start it (bot/ops/rasa_cli.py), taking `rasa`'s arguments as Rasa's own image
# does, so Rasa's Helm chart can pass its own `run ...` arguments.
ENTRYPOINT ["python", "-m", "bot.ops.rasa_cli"]
CMD ["run", "--endpoints", "deploy/endpoints.production.yml", "--credentials", "deploy/credentials.production.yml", "--port", "5005"]
