/// The OpenAPI 3.1 description of the API, served at `/openapi.json`.
enum OpenAPIDocument {
    static let text = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Armory",
        "version": "1",
        "description": "Prop-firearm safety on set: every action of SCENARIOS.md through the same engine as `armory replay`, the read models, proofs, evidence bundles, sign-in, live alarms and metrics."
      },
      "security": [
        {
          "bearerAuth": []
        },
        {
          "cookieAuth": []
        }
      ],
      "paths": {
        "/health": {
          "get": {
            "operationId": "health",
            "summary": "Whether the server and its store answer.",
            "tags": [
              "operations"
            ],
            "security": [],
            "responses": {
              "200": {
                "description": "Up.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Health"
                    }
                  }
                }
              },
              "503": {
                "description": "The store does not answer.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Unhealthy"
                    }
                  }
                }
              }
            }
          }
        },
        "/metrics": {
          "get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics.",
            "description": "Only with the bearer token ARMORY_METRICS_TOKEN (the operator's Prometheus): metrics name every production, so no person's session reads them.",
            "tags": [
              "operations"
            ],
            "responses": {
              "200": {
                "description": "Prometheus text exposition format.",
                "content": {
                  "text/plain": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              }
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "tags": [
              "operations"
            ],
            "security": [],
            "responses": {
              "200": {
                "description": "OpenAPI 3.1 document.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object"
                    }
                  }
                }
              }
            }
          }
        },
        "/api/v1/productions/{production}/sign-in": {
          "post": {
            "operationId": "signIn",
            "summary": "Sign in with a password or a one-time PIN.",
            "tags": [
              "sessions"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/SignIn"
                  }
                }
              }
            },
            "security": [],
            "responses": {
              "200": {
                "description": "Signed in: the token, also set as the armory_session cookie.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/SignedIn"
                    }
                  }
                },
                "headers": {
                  "Set-Cookie": {
                    "schema": {
                      "type": "string"
                    },
                    "description": "armory_session=TOKEN; HttpOnly; SameSite=Strict"
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              },
              "429": {
                "$ref": "#/components/responses/TooManyRequests"
              },
              "415": {
                "$ref": "#/components/responses/UnsupportedMediaType"
              }
            }
          }
        },
        "/api/v1/sign-out": {
          "post": {
            "operationId": "signOut",
            "summary": "End this session.",
            "tags": [
              "sessions"
            ],
            "responses": {
              "204": {
                "description": "Signed out; the cookie is cleared.",
                "headers": {
                  "Set-Cookie": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              }
            }
          }
        },
        "/api/v1/session": {
          "get": {
            "operationId": "session",
            "summary": "Who is signed in.",
            "tags": [
              "sessions"
            ],
            "responses": {
              "200": {
                "description": "The session.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Session"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              }
            }
          }
        },
        "/api/v1/productions/{production}/concerns": {
          "post": {
            "operationId": "reportConcern",
            "summary": "Raise a safety concern anonymously (no sign-in).",
            "tags": [
              "steps"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/Concern"
                  }
                }
              }
            },
            "security": [],
            "responses": {
              "201": {
                "description": "Recorded.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Decision"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              },
              "415": {
                "$ref": "#/components/responses/UnsupportedMediaType"
              },
              "429": {
                "$ref": "#/components/responses/TooManyRequests"
              }
            }
          }
        },
        "/api/v1/productions": {
          "get": {
            "operationId": "productions",
            "summary": "The productions this session may see (its own).",
            "tags": [
              "productions"
            ],
            "responses": {
              "200": {
                "description": "Productions.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Production"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}": {
          "get": {
            "operationId": "production",
            "summary": "A production.",
            "tags": [
              "productions"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "The production.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Production"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/people": {
          "get": {
            "operationId": "people",
            "summary": "The production's people.",
            "tags": [
              "productions"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "People.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Person"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/people/{person}/pin": {
          "post": {
            "operationId": "issuePIN",
            "summary": "Issue a one-time sign-in PIN: a dedicated armorer for talent and crew, a producer for anyone but producers.",
            "tags": [
              "sessions"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "person",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                },
                "description": "A person id.",
                "example": "ben"
              }
            ],
            "responses": {
              "201": {
                "description": "A PIN for one sign-in within 15 minutes; a new PIN replaces the old.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/PIN"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              }
            },
            "description": "The issuance is recorded first (an entry of kind `pin` naming who issued it and for whom, never the PIN); every entry the PIN's session makes says `via: pin`."
          }
        },
        "/api/v1/productions/{production}/steps": {
          "post": {
            "operationId": "recordStep",
            "summary": "Record a step of SCENARIOS.md, decided by the engine.",
            "description": "`by` defaults to the person signed in and may name no one else (403); `at` defaults to now and may be at most 2 minutes ahead of the server's clock. Every value has a bound (docs/LIMITS.md); one out of bounds is a 400 naming the field and the bound.",
            "tags": [
              "steps"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/Step"
                  }
                }
              }
            },
            "responses": {
              "201": {
                "description": "Recorded: ok, or alarm (recorded, a rule was broken).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Decision"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "409": {
                "$ref": "#/components/responses/Refused"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              },
              "415": {
                "$ref": "#/components/responses/UnsupportedMediaType"
              }
            }
          }
        },
        "/api/v1/productions/{production}/transfers": {
          "post": {
            "operationId": "recordTransfer",
            "summary": "Hand firearms and lots to investigators as evidence.",
            "tags": [
              "steps"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/Transfer"
                  }
                }
              }
            },
            "responses": {
              "201": {
                "description": "Recorded.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Decision"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "409": {
                "$ref": "#/components/responses/Refused"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              },
              "415": {
                "$ref": "#/components/responses/UnsupportedMediaType"
              }
            }
          }
        },
        "/api/v1/productions/{production}/firearms": {
          "get": {
            "operationId": "firearms",
            "summary": "Every firearm's current state.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "Firearms.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Firearm"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/firearms/{id}": {
          "get": {
            "operationId": "firearm",
            "summary": "A firearm's state and history.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "id",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                },
                "description": "A firearm id.",
                "example": "colt-1"
              },
              {
                "$ref": "#/components/parameters/HistoryLimit"
              },
              {
                "$ref": "#/components/parameters/HistoryBefore"
              }
            ],
            "responses": {
              "200": {
                "description": "The firearm.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/FirearmDetail"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/lots": {
          "get": {
            "operationId": "lots",
            "summary": "Every ammunition lot's current state.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "Lots.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Lot"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/lots/{id}": {
          "get": {
            "operationId": "lot",
            "summary": "A lot's state and history.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "id",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                },
                "description": "A lot id.",
                "example": "B1"
              },
              {
                "$ref": "#/components/parameters/HistoryLimit"
              },
              {
                "$ref": "#/components/parameters/HistoryBefore"
              }
            ],
            "responses": {
              "200": {
                "description": "The lot.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/LotDetail"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/scenes": {
          "get": {
            "operationId": "scenes",
            "summary": "Scenes with a safety meeting held.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "Scenes.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Scene"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/alarms": {
          "get": {
            "operationId": "alarms",
            "summary": "Alarm entries.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "after",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 2147483647,
                  "default": 0
                },
                "description": "Only alarms with a greater index."
              },
              {
                "name": "limit",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 1000,
                  "default": 100
                },
                "description": "At most this many alarms, oldest first; page on with `after`."
              }
            ],
            "responses": {
              "200": {
                "description": "Alarms, oldest first.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Entry"
                      }
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/days": {
          "get": {
            "operationId": "days",
            "summary": "The days the log has entries on.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "Days, YYYY-MM-DD, oldest first.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/days/{day}/timeline": {
          "get": {
            "operationId": "timeline",
            "summary": "A day's entries.",
            "tags": [
              "read models"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "day",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string",
                  "format": "date"
                },
                "description": "YYYY-MM-DD, as the person on set wrote it."
              }
            ],
            "responses": {
              "200": {
                "description": "Entries, in log order.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Entry"
                      }
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/entries": {
          "get": {
            "operationId": "entries",
            "summary": "Log entries, in order.",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "from",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 2147483647,
                  "default": 0
                },
                "description": "First index."
              },
              {
                "name": "limit",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 1000,
                  "default": 100
                },
                "description": "At most this many."
              }
            ],
            "responses": {
              "200": {
                "description": "Entries.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Entry"
                      }
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/entries/{index}": {
          "get": {
            "operationId": "entry",
            "summary": "One log entry.",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "index",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "integer",
                  "minimum": 0
                },
                "description": "A log index (0 is the production header).",
                "example": 1
              }
            ],
            "responses": {
              "200": {
                "description": "The entry.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Entry"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/entries/{index}/proof": {
          "get": {
            "operationId": "proof",
            "summary": "An inclusion proof (C2SP tlog-proof) of an entry.",
            "description": "404 too when no signed checkpoint covers the entry yet (one is signed at every wrap, or on request).",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "index",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "integer",
                  "minimum": 0
                },
                "description": "A log index (0 is the production header).",
                "example": 1
              }
            ],
            "responses": {
              "200": {
                "description": "tlog-proof against the latest signed checkpoint that covers the entry.",
                "content": {
                  "text/plain": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/checkpoints": {
          "get": {
            "operationId": "checkpoints",
            "summary": "Signed checkpoints, oldest first.",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "200": {
                "description": "Checkpoints.",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Checkpoint"
                      }
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          },
          "post": {
            "operationId": "signCheckpoint",
            "summary": "Sign a checkpoint of the whole log now (armorer, producer, safety).",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "responses": {
              "201": {
                "description": "The new checkpoint.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Checkpoint"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/consistency": {
          "get": {
            "operationId": "consistency",
            "summary": "A consistency proof between two log sizes.",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "from",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 2147483647,
                  "default": 1
                },
                "description": "The older size."
              },
              {
                "name": "to",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 2147483647
                },
                "description": "The newer size (default: the log's size). Needs 1 <= from <= to <= size."
              }
            ],
            "responses": {
              "200": {
                "description": "The proof: base64 hashes.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Consistency"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/bundle": {
          "get": {
            "operationId": "bundle",
            "summary": "An evidence bundle (docs/FORMAT.md), for armorer, producer, safety.",
            "description": "Give exactly one of day, firearm or all=true (else 400).",
            "tags": [
              "log"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "day",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string",
                  "format": "date"
                },
                "description": "A day, YYYY-MM-DD."
              },
              {
                "name": "firearm",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string"
                },
                "description": "A firearm id."
              },
              {
                "name": "all",
                "in": "query",
                "required": false,
                "schema": {
                  "type": "string",
                  "enum": [
                    "true"
                  ]
                },
                "description": "The whole log."
              }
            ],
            "responses": {
              "200": {
                "description": "A tar archive.",
                "content": {
                  "application/x-tar": {
                    "schema": {
                      "type": "string",
                      "contentMediaType": "application/x-tar"
                    }
                  }
                },
                "headers": {
                  "Content-Disposition": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/events": {
          "get": {
            "operationId": "events",
            "summary": "Live entries as Server-Sent Events.",
            "description": "For armorer, first_ad, producer and safety. The stream stays open. A screen coming back (a browser retrying sends `Last-Event-ID`; a new stream gives `after`) is first sent what was recorded after that entry: every entry up to 1,000, and every alarm. At most 4 streams per session at once (429).",
            "tags": [
              "live"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "after",
                "in": "query",
                "required": false,
                "description": "The index of the last entry this screen saw.",
                "schema": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 2147483647
                }
              },
              {
                "name": "Last-Event-ID",
                "in": "header",
                "required": false,
                "description": "The `id` of the last event received (0 to 2147483647); wins over `after`.",
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9]{1,10}$"
                }
              }
            ],
            "responses": {
              "200": {
                "description": "What was missed, if asked, then from now on: `event: entry` or `event: alarm`, `id:` the index, `data:` the entry as JSON.",
                "content": {
                  "text/event-stream": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              },
              "429": {
                "$ref": "#/components/responses/TooManyRequests"
              }
            }
          }
        },
        "/api/v1/productions/{production}/people/{person}/sign-out": {
          "post": {
            "operationId": "signOutPerson",
            "summary": "End every session of a person (producer only): a stolen tablet, a lost phone.",
            "tags": [
              "sessions"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              },
              {
                "name": "person",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string"
                },
                "description": "A person id.",
                "example": "ben"
              }
            ],
            "responses": {
              "200": {
                "description": "The sessions ended.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/SessionsEnded"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        },
        "/api/v1/productions/{production}/password": {
          "post": {
            "operationId": "changePassword",
            "summary": "Set a new password with the current one; every other session of the person ends.",
            "tags": [
              "sessions"
            ],
            "parameters": [
              {
                "$ref": "#/components/parameters/Production"
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/PasswordChange"
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "Changed.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/SessionsEnded"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              },
              "415": {
                "$ref": "#/components/responses/UnsupportedMediaType"
              },
              "422": {
                "$ref": "#/components/responses/UnprocessableContent"
              },
              "503": {
                "$ref": "#/components/responses/ServiceUnavailable"
              }
            }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "The token from sign-in."
          },
          "cookieAuth": {
            "type": "apiKey",
            "in": "cookie",
            "name": "armory_session",
            "description": "The session cookie sign-in sets."
          }
        },
        "parameters": {
          "Production": {
            "name": "production",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "example": "demo",
            "description": "The production id."
          },
          "HistoryLimit": {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 50
            },
            "description": "How many of the latest entries naming it to return, oldest first."
          },
          "HistoryBefore": {
            "name": "before",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 2147483647
            },
            "description": "Only entries before this index, to page back through the history."
          }
        },
        "responses": {
          "BadRequest": {
            "description": "Bad request: no JSON body, malformed JSON, a value out of its bound (the error names the field and the bound), a time ahead of the server's clock, or a bad query or path parameter.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "Unauthorized": {
            "description": "Not signed in, or the session has expired.",
            "headers": {
              "WWW-Authenticate": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "Forbidden": {
            "description": "Signed in to another production, the role may not do this, or a cookie-authenticated request came from another site.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "NotFound": {
            "description": "No such production, person, firearm, lot or entry.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "Refused": {
            "description": "A command that broke a rule: refused, nothing changed, the attempt recorded.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Refusal"
                }
              }
            }
          },
          "ContentTooLarge": {
            "description": "The request body is over 1 MiB.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "UnprocessableContent": {
            "description": "The body is JSON but not valid input (missing or unknown field, wrong type, unknown id, time out of order).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "TooManyRequests": {
            "description": "Too many requests of this kind: failed sign-ins, anonymous concerns, or live streams for one session. Wait as Retry-After says.",
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer",
                  "minimum": 1
                },
                "description": "Seconds to wait."
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "ServiceUnavailable": {
            "description": "The store failed or does not verify; nothing was recorded. Try again after Retry-After seconds.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            },
            "headers": {
              "Retry-After": {
                "schema": {
                  "type": "integer",
                  "minimum": 1
                },
                "description": "Seconds to wait."
              }
            }
          },
          "UnsupportedMediaType": {
            "description": "The body was not sent as Content-Type: application/json.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "schemas": {
          "Error": {
            "type": "object",
            "properties": {
              "error": {
                "type": "string",
                "description": "One plain sentence: what was wrong."
              },
              "field": {
                "type": "string",
                "description": "The request field, query or path parameter at fault."
              },
              "rules": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/RuleID"
                },
                "description": "Rules a refused command broke."
              },
              "index": {
                "type": "integer",
                "minimum": 0,
                "description": "Log index the refusal was recorded at."
              },
              "outcome": {
                "type": "string",
                "enum": [
                  "refused"
                ]
              }
            },
            "required": [
              "error"
            ],
            "additionalProperties": false,
            "description": "Every error: a 4xx names what was wrong; nothing recorded is touched by it."
          },
          "Refusal": {
            "type": "object",
            "properties": {
              "error": {
                "type": "string",
                "description": "Why the command was refused."
              },
              "index": {
                "type": "integer",
                "minimum": 0,
                "description": "The refusal is recorded too (the attempt is evidence)."
              },
              "outcome": {
                "type": "string",
                "const": "refused"
              },
              "rules": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/RuleID"
                },
                "minItems": 1
              }
            },
            "required": [
              "error",
              "index",
              "outcome",
              "rules"
            ],
            "additionalProperties": false,
            "description": "A command that broke a rule and changed nothing (409)."
          },
          "RuleID": {
            "type": "string",
            "enum": [
              "AMMO-1",
              "AMMO-2",
              "AMMO-3",
              "AMMO-4",
              "CONCERN-1",
              "EVID-1",
              "EVID-2",
              "FA-1",
              "FA-2",
              "FA-3",
              "FA-4",
              "FA-5",
              "FA-6",
              "FA-7",
              "FA-8",
              "ROLE-1",
              "ROLE-2",
              "SCENE-1",
              "SCENE-2",
              "SCENE-3"
            ],
            "description": "A rule of PROTOCOL.md."
          },
          "Role": {
            "type": "string",
            "enum": [
              "armorer",
              "first_ad",
              "talent",
              "prop_master",
              "producer",
              "safety",
              "crew"
            ]
          },
          "Health": {
            "type": "object",
            "properties": {
              "status": {
                "type": "string",
                "const": "ok"
              }
            },
            "required": [
              "status"
            ],
            "additionalProperties": false
          },
          "Unhealthy": {
            "type": "object",
            "properties": {
              "status": {
                "type": "string",
                "const": "unavailable"
              },
              "error": {
                "type": "string"
              }
            },
            "required": [
              "status",
              "error"
            ],
            "additionalProperties": false
          },
          "SignIn": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "person"
            ],
            "properties": {
              "person": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64
              },
              "password": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1024
              },
              "pin": {
                "type": "string",
                "minLength": 1,
                "description": "A one-time PIN the armorer issued (six digits).",
                "maxLength": 64
              }
            },
            "oneOf": [
              {
                "required": [
                  "password"
                ],
                "not": {
                  "required": [
                    "pin"
                  ]
                }
              },
              {
                "required": [
                  "pin"
                ],
                "not": {
                  "required": [
                    "password"
                  ]
                }
              }
            ],
            "description": "Either a password or a one-time PIN. Five failed passwords in 15 minutes pause that person's password sign-ins (a fresh PIN still works); five wrong PINs void the PIN; 20 failures from one address pause sign-ins from it (429 with Retry-After)."
          },
          "Session": {
            "type": "object",
            "properties": {
              "production": {
                "type": "string"
              },
              "person": {
                "type": "string"
              },
              "roles": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Role"
                }
              }
            },
            "required": [
              "production",
              "person",
              "roles"
            ],
            "additionalProperties": false
          },
          "SignedIn": {
            "type": "object",
            "properties": {
              "production": {
                "type": "string"
              },
              "person": {
                "type": "string"
              },
              "roles": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Role"
                }
              },
              "token": {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$",
                "description": "Bearer token; also set as the armory_session cookie."
              }
            },
            "required": [
              "production",
              "person",
              "roles",
              "token"
            ],
            "additionalProperties": false
          },
          "Concern": {
            "type": "object",
            "properties": {
              "text": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                "description": "At most 4,000 characters; no control characters but line breaks and tabs."
              },
              "scene": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              }
            },
            "required": [
              "text"
            ],
            "additionalProperties": false,
            "description": "An anonymous safety concern (CONCERN-1): nothing about the sender is recorded, and its time is the server's. At most 10 per device and 120 per production in ten minutes (429 with Retry-After)."
          },
          "Decision": {
            "type": "object",
            "properties": {
              "index": {
                "type": "integer",
                "minimum": 0
              },
              "outcome": {
                "type": "string",
                "enum": [
                  "ok",
                  "alarm"
                ]
              },
              "rules": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/RuleID"
                }
              },
              "message": {
                "type": "string"
              }
            },
            "required": [
              "index",
              "outcome",
              "rules",
              "message"
            ],
            "additionalProperties": false,
            "description": "A recorded step or transfer: 'alarm' means it was recorded and a rule was broken."
          },
          "Production": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "title": {
                "type": "string"
              },
              "timezone": {
                "type": "string"
              },
              "entries": {
                "type": "integer",
                "minimum": 0
              },
              "checkpoints": {
                "type": "integer",
                "minimum": 0
              },
              "read_only": {
                "description": "Present when the production's log holds an entry that cannot be read or decided (written by an older server): the production is open read-only, everything before that entry can be read and exported, and steps are answered 503.",
                "type": "object",
                "properties": {
                  "entry": { "type": "integer", "minimum": 1 },
                  "reason": { "type": "string" },
                  "message": { "type": "string" }
                },
                "required": ["entry", "reason", "message"],
                "additionalProperties": false
              }
            },
            "required": [
              "id",
              "title",
              "timezone",
              "entries",
              "checkpoints"
            ],
            "additionalProperties": false
          },
          "Person": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "name": {
                "type": "string"
              },
              "roles": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Role"
                }
              }
            },
            "required": [
              "id",
              "name",
              "roles"
            ],
            "additionalProperties": false
          },
          "PIN": {
            "type": "object",
            "properties": {
              "person": {
                "type": "string"
              },
              "pin": {
                "type": "string",
                "pattern": "^[0-9]{6}$"
              },
              "valid_minutes": {
                "type": "integer",
                "const": 15
              }
            },
            "required": [
              "person",
              "pin",
              "valid_minutes"
            ],
            "additionalProperties": false
          },
          "Firearm": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "serial": {
                "type": "string"
              },
              "make": {
                "type": "string"
              },
              "model": {
                "type": "string"
              },
              "source": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "Rental house or owner it came from."
              },
              "presence": {
                "type": "string",
                "enum": [
                  "held",
                  "missing",
                  "returned",
                  "never_accepted",
                  "with_investigators"
                ]
              },
              "custodian": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "Who holds it now."
              },
              "case": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "Case number, while with investigators."
              },
              "condition": {
                "type": "string",
                "enum": [
                  "frozen",
                  "withdrawn",
                  "unknown",
                  "hot",
                  "cold"
                ]
              },
              "rounds": {
                "type": "integer"
              },
              "contents": {
                "type": "array",
                "items": {
                  "type": "object",
                  "properties": {
                    "lot": {
                      "type": "string"
                    },
                    "count": {
                      "type": "integer"
                    }
                  },
                  "required": [
                    "lot",
                    "count"
                  ],
                  "additionalProperties": false
                }
              },
              "unknown": {
                "type": "boolean"
              },
              "withdrawn_for_fault": {
                "type": "boolean"
              },
              "withdrawn_for_live_lot": {
                "type": "boolean"
              },
              "frozen": {
                "type": "boolean"
              },
              "stored_locked": {
                "type": "boolean"
              },
              "declared": {
                "type": [
                  "string",
                  "null"
                ],
                "enum": [
                  "cold",
                  "hot",
                  null
                ]
              },
              "show_clear": {
                "oneOf": [
                  {
                    "type": "null"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "at": {
                        "type": "string"
                      },
                      "by": {
                        "type": "string"
                      },
                      "audience": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      }
                    },
                    "required": [
                      "at",
                      "by",
                      "audience"
                    ],
                    "additionalProperties": false
                  }
                ]
              }
            },
            "required": [
              "id",
              "serial",
              "make",
              "model",
              "source",
              "presence",
              "custodian",
              "case",
              "condition",
              "rounds",
              "contents",
              "unknown",
              "withdrawn_for_fault",
              "withdrawn_for_live_lot",
              "frozen",
              "stored_locked",
              "declared",
              "show_clear"
            ],
            "additionalProperties": false,
            "description": "A firearm's current state."
          },
          "Lot": {
            "type": "object",
            "properties": {
              "id": {
                "type": "string"
              },
              "kind": {
                "type": "string",
                "enum": [
                  "dummy",
                  "blank",
                  "live"
                ]
              },
              "source": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "caliber": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "received": {
                "type": "integer"
              },
              "box": {
                "type": "integer"
              },
              "loaded": {
                "type": "integer"
              },
              "fired": {
                "type": "integer"
              },
              "verified": {
                "type": "boolean"
              },
              "found_live": {
                "type": "boolean"
              },
              "quarantined": {
                "type": "boolean"
              },
              "frozen": {
                "type": "boolean"
              },
              "reconciled_since_move": {
                "type": "boolean"
              },
              "last_reconcile_matched": {
                "type": [
                  "boolean",
                  "null"
                ]
              },
              "with_investigators": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "Case number, while with investigators."
              },
              "loaded_into": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              }
            },
            "required": [
              "id",
              "kind",
              "source",
              "caliber",
              "received",
              "box",
              "loaded",
              "fired",
              "verified",
              "found_live",
              "quarantined",
              "frozen",
              "reconciled_since_move",
              "last_reconcile_matched",
              "with_investigators",
              "loaded_into"
            ],
            "additionalProperties": false,
            "description": "An ammunition lot's current state."
          },
          "Entry": {
            "type": "object",
            "properties": {
              "index": {
                "type": "integer",
                "minimum": 0
              },
              "kind": {
                "type": "string",
                "enum": [
                  "production",
                  "step",
                  "correction",
                  "transfer",
                  "pin"
                ]
              },
              "at": {
                "type": "string",
                "description": "RFC 3339 time as written."
              },
              "by": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "Null for an anonymous concern and for the production header."
              },
              "outcome": {
                "type": "string",
                "enum": [
                  "ok",
                  "refused",
                  "alarm"
                ]
              },
              "rules": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/RuleID"
                }
              },
              "message": {
                "type": "string"
              },
              "body": {
                "type": [
                  "object",
                  "null"
                ],
                "description": "The entry's content (a step exactly as SCENARIOS.md writes it)."
              },
              "received": {
                "type": "string",
                "description": "When the server received it, by the server's clock (RFC 3339); absent in entries recorded before receipts were kept."
              },
              "via": {
                "type": "string",
                "enum": [
                  "password",
                  "pin",
                  "anonymous",
                  "server"
                ],
                "description": "How its sender signed in: a password, a one-time PIN, or not at all (an anonymous concern)."
              }
            },
            "required": [
              "index",
              "kind",
              "at",
              "by",
              "outcome",
              "rules",
              "message",
              "body"
            ],
            "additionalProperties": false,
            "description": "One log entry."
          },
          "FirearmDetail": {
            "type": "object",
            "properties": {
              "state": {
                "$ref": "#/components/schemas/Firearm"
              },
              "history": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Entry"
                }
              }
            },
            "required": [
              "state",
              "history"
            ],
            "additionalProperties": false
          },
          "LotDetail": {
            "type": "object",
            "properties": {
              "state": {
                "$ref": "#/components/schemas/Lot"
              },
              "history": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Entry"
                }
              }
            },
            "required": [
              "state",
              "history"
            ],
            "additionalProperties": false
          },
          "Scene": {
            "type": "object",
            "properties": {
              "scene": {
                "type": "string"
              },
              "safety_meeting": {
                "type": "boolean",
                "const": true
              },
              "blanks_announced": {
                "type": "boolean"
              }
            },
            "required": [
              "scene",
              "safety_meeting",
              "blanks_announced"
            ],
            "additionalProperties": false
          },
          "Checkpoint": {
            "type": "object",
            "properties": {
              "size": {
                "type": "integer",
                "minimum": 0
              },
              "note": {
                "type": "string",
                "description": "The signed note (C2SP signed-note)."
              }
            },
            "required": [
              "size",
              "note"
            ],
            "additionalProperties": false
          },
          "Consistency": {
            "type": "object",
            "properties": {
              "from": {
                "type": "integer",
                "minimum": 1
              },
              "to": {
                "type": "integer",
                "minimum": 1
              },
              "proof": {
                "type": "array",
                "items": {
                  "type": "string",
                  "contentEncoding": "base64"
                }
              }
            },
            "required": [
              "from",
              "to",
              "proof"
            ],
            "additionalProperties": false
          },
          "Transfer": {
            "type": "object",
            "properties": {
              "case": {
                "type": "string",
                "minLength": 1
              },
              "to": {
                "type": "string",
                "minLength": 1,
                "description": "The officer or agency who signs for it."
              },
              "firearms": {
                "type": "array",
                "items": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "lots": {
                "type": "array",
                "items": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "at": {
                "type": "string",
                "description": "Ignored: a transfer is recorded at the server's time."
              }
            },
            "required": [
              "case",
              "to"
            ],
            "additionalProperties": false,
            "description": "Firearms and lots handed to investigators as evidence; names at least one firearm or lot."
          },
          "ReceiveFirearmStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "receive_firearm"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "serial": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "At most 200 characters, no control characters."
              },
              "make": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "At most 200 characters, no control characters."
              },
              "model": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "At most 200 characters, no control characters."
              },
              "from": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "At most 200 characters, no control characters."
              }
            },
            "required": [
              "do",
              "firearm",
              "serial",
              "make",
              "model"
            ],
            "additionalProperties": false,
            "description": "`receive_firearm` (SCENARIOS.md)."
          },
          "ReturnFirearmStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "return_firearm"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "to": {
                "type": "string",
                "minLength": 1,
                "description": "The rental house.",
                "maxLength": 200
              }
            },
            "required": [
              "do",
              "firearm"
            ],
            "additionalProperties": false,
            "description": "`return_firearm` (SCENARIOS.md)."
          },
          "ReceiveAmmoStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "receive_ammo"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "lot": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "kind": {
                "type": "string",
                "enum": [
                  "dummy",
                  "blank",
                  "live"
                ]
              },
              "count": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              },
              "source": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "At most 200 characters, no control characters."
              },
              "caliber": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "At most 200 characters, no control characters."
              }
            },
            "required": [
              "do",
              "lot",
              "kind",
              "count"
            ],
            "additionalProperties": false,
            "description": "`receive_ammo` (SCENARIOS.md)."
          },
          "InspectLotStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "inspect_lot"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "lot": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "inspected": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              },
              "live_found": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              }
            },
            "required": [
              "do",
              "lot",
              "inspected",
              "live_found"
            ],
            "additionalProperties": false,
            "description": "`inspect_lot` (SCENARIOS.md)."
          },
          "SafetyMeetingStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "safety_meeting"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "scene": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "attendees": {
                "type": "array",
                "items": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 64
                },
                "maxItems": 200
              },
              "blanks": {
                "type": "boolean"
              }
            },
            "required": [
              "do",
              "scene",
              "attendees",
              "blanks"
            ],
            "additionalProperties": false,
            "description": "`safety_meeting` (SCENARIOS.md)."
          },
          "InspectFirearmStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "inspect_firearm"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "result": {
                "type": "string",
                "enum": [
                  "clear",
                  "obstructed",
                  "faulty"
                ]
              }
            },
            "required": [
              "do",
              "firearm",
              "result"
            ],
            "additionalProperties": false,
            "description": "`inspect_firearm` (SCENARIOS.md)."
          },
          "LoadStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "load"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "lot": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "rounds": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              },
              "scene": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "rehearsal": {
                "type": "boolean"
              }
            },
            "required": [
              "do",
              "firearm",
              "lot",
              "rounds",
              "scene"
            ],
            "additionalProperties": false,
            "description": "`load` (SCENARIOS.md)."
          },
          "UnloadStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "unload"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "lot": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "rounds": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              }
            },
            "required": [
              "do",
              "firearm",
              "lot",
              "rounds"
            ],
            "additionalProperties": false,
            "description": "`unload` (SCENARIOS.md)."
          },
          "ShowClearStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "show_clear"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "to": {
                "type": "array",
                "items": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 64
                },
                "maxItems": 200
              }
            },
            "required": [
              "do",
              "firearm",
              "to"
            ],
            "additionalProperties": false,
            "description": "`show_clear` (SCENARIOS.md)."
          },
          "HandOverStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "hand_over"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "to": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "scene": {
                "type": "string",
                "minLength": 1,
                "description": "Needed unless handing back to the armorer. 1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +.",
                "maxLength": 64
              }
            },
            "required": [
              "do",
              "firearm",
              "to"
            ],
            "additionalProperties": false,
            "description": "`hand_over` (SCENARIOS.md)."
          },
          "DeclareStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "declare"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "state": {
                "type": "string",
                "enum": [
                  "cold",
                  "hot"
                ]
              }
            },
            "required": [
              "do",
              "firearm",
              "state"
            ],
            "additionalProperties": false,
            "description": "`declare` (SCENARIOS.md)."
          },
          "FireStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "fire"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "scene": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "rounds": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              },
              "result": {
                "type": "string",
                "enum": [
                  "blank",
                  "click",
                  "misfire",
                  "projectile"
                ]
              },
              "shooter": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "rehearsal": {
                "type": "boolean"
              },
              "nearest_person_ft": {
                "type": "number",
                "minimum": 0,
                "maximum": 10000
              }
            },
            "required": [
              "do",
              "firearm",
              "scene",
              "rounds",
              "result"
            ],
            "additionalProperties": false,
            "description": "`fire` (SCENARIOS.md)."
          },
          "ReportDischargeStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "report_discharge"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "injuries": {
                "type": "boolean"
              },
              "note": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                "description": "At most 4,000 characters; no control characters but line breaks and tabs."
              }
            },
            "required": [
              "do",
              "firearm",
              "injuries"
            ],
            "additionalProperties": false,
            "description": "`report_discharge` (SCENARIOS.md)."
          },
          "ReportMissingStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "report_missing"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              }
            },
            "required": [
              "do",
              "firearm"
            ],
            "additionalProperties": false,
            "description": "`report_missing` (SCENARIOS.md)."
          },
          "ReportConcernStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "report_concern"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "text": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                "description": "At most 4,000 characters; no control characters but line breaks and tabs."
              },
              "scene": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              }
            },
            "required": [
              "do",
              "text"
            ],
            "additionalProperties": false,
            "description": "`report_concern` (SCENARIOS.md)."
          },
          "ReconcileStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "reconcile"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "lot": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "counted": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000
              }
            },
            "required": [
              "do",
              "lot",
              "counted"
            ],
            "additionalProperties": false,
            "description": "`reconcile` (SCENARIOS.md)."
          },
          "StoreStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "store"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "locked": {
                "type": "boolean"
              }
            },
            "required": [
              "do",
              "firearm",
              "locked"
            ],
            "additionalProperties": false,
            "description": "`store` (SCENARIOS.md)."
          },
          "UnfreezeStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "unfreeze"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              },
              "firearm": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "1 to 64 letters or digits (any script), spaces, or - _ . : # / ( ) +."
              },
              "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 4000,
                "description": "At most 4,000 characters; no control characters but line breaks and tabs."
              }
            },
            "required": [
              "do",
              "firearm",
              "reason"
            ],
            "additionalProperties": false,
            "description": "`unfreeze` (SCENARIOS.md)."
          },
          "WrapStep": {
            "type": "object",
            "properties": {
              "do": {
                "type": "string",
                "const": "wrap"
              },
              "at": {
                "$ref": "#/components/schemas/At"
              },
              "by": {
                "$ref": "#/components/schemas/By"
              }
            },
            "required": [
              "do"
            ],
            "additionalProperties": false,
            "description": "`wrap` (SCENARIOS.md)."
          },
          "At": {
            "type": "string",
            "format": "date-time",
            "maxLength": 40,
            "description": "RFC 3339 time with offset. Default: now, in the production's time zone. Steps must be in time order, and may be at most 2 minutes ahead of the server's clock (400 naming `at`): the server records its own receipt time beside it."
          },
          "By": {
            "type": "string",
            "minLength": 1,
            "description": "Who did it: may only name the person signed in (default).",
            "maxLength": 64
          },
          "Step": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/ReceiveFirearmStep"
              },
              {
                "$ref": "#/components/schemas/ReturnFirearmStep"
              },
              {
                "$ref": "#/components/schemas/ReceiveAmmoStep"
              },
              {
                "$ref": "#/components/schemas/InspectLotStep"
              },
              {
                "$ref": "#/components/schemas/SafetyMeetingStep"
              },
              {
                "$ref": "#/components/schemas/InspectFirearmStep"
              },
              {
                "$ref": "#/components/schemas/LoadStep"
              },
              {
                "$ref": "#/components/schemas/UnloadStep"
              },
              {
                "$ref": "#/components/schemas/ShowClearStep"
              },
              {
                "$ref": "#/components/schemas/HandOverStep"
              },
              {
                "$ref": "#/components/schemas/DeclareStep"
              },
              {
                "$ref": "#/components/schemas/FireStep"
              },
              {
                "$ref": "#/components/schemas/ReportDischargeStep"
              },
              {
                "$ref": "#/components/schemas/ReportMissingStep"
              },
              {
                "$ref": "#/components/schemas/ReportConcernStep"
              },
              {
                "$ref": "#/components/schemas/ReconcileStep"
              },
              {
                "$ref": "#/components/schemas/StoreStep"
              },
              {
                "$ref": "#/components/schemas/UnfreezeStep"
              },
              {
                "$ref": "#/components/schemas/WrapStep"
              }
            ],
            "discriminator": {
              "propertyName": "do"
            },
            "description": "One action of SCENARIOS.md. Unknown fields are refused (422)."
          },
          "PasswordChange": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "current",
              "new"
            ],
            "properties": {
              "current": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1024
              },
              "new": {
                "type": "string",
                "minLength": 12,
                "maxLength": 1024,
                "description": "12 to 1024 bytes."
              }
            },
            "description": "A new password for the person signed in; every other session of theirs ends."
          },
          "SessionsEnded": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "person",
              "sessions_ended"
            ],
            "properties": {
              "person": {
                "type": "string"
              },
              "sessions_ended": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        }
      }
    }
    """#
}
