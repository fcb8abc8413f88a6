"""Operations: starting and stopping the servers (`run`, `processes`, `rasa_cli`, `action_server`, `webchat`),
their logs and metrics (`logs`, `metrics`), and the Rasa server's probes (`probes`)."""
