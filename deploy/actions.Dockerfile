# The action server (actions/ and the knowledge base it answers from), scaled apart from the Rasa servers.
# Built from the repository root (docker-compose.yml does).
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The same first layers as rasa.Dockerfile, so both images share them.
COPY requirements.txt constraints.txt ./
RUN pip install "pip==24.0" && pip install -r requirements.txt -c constraints.txt

COPY bot/ bot/
COPY actions/ actions/
# A broken knowledge base fails the build, not the first conversation.
RUN python -m bot.knowledge

RUN useradd --create-home --uid 1001 rasa && chown -R rasa /app
USER 1001
EXPOSE 5055
# `rasa run actions` with /metrics and JSON logs (bot/ops/action_server.py), taking the same options.
ENTRYPOINT ["python", "-m", "bot.ops.action_server"]
CMD ["--actions", "actions", "--port", "5055"]
